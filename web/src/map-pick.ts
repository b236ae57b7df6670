/**
 * One map click serves one purpose. The page has several "the next click on the map is …" modes
 * (an incident's spot, a drone's goto point); two at once would both take the same click, so
 * starting one ends the one before it.
 */

let active: (() => void) | null = null;

/** This pick now owns the next map click; `end` is how it is called off. */
export function startMapPick(end: () => void): void {
  const before = active;
  active = end;
  if (before && before !== end) before();
}

/** The pick ended (clicked, cancelled, or called off by another). */
export function endMapPick(end: () => void): void {
  if (active === end) active = null;
}
