/**
 * One redraw per animation frame for the whole page: every part of the view marks itself dirty as
 * data arrives, and draws once in the next frame however many updates came in between.
 */

const pending = new Set<() => void>();
let queued = false;

/** Runs render in the next animation frame (once, however often it is asked for before then). */
export function renderNextFrame(render: () => void): void {
  pending.add(render);
  if (queued) return;
  queued = true;
  requestAnimationFrame(flush);
}

function flush(): void {
  queued = false;
  const tasks = [...pending];
  pending.clear();
  for (const task of tasks) task();
}
