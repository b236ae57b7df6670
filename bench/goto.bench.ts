/**
 * Drone to the scene: from the pilot's click (POST /api/vehicles/:id/goto) to the drone moving
 * toward the point (airborne) and to it climbing (on the ground, once armable), against the
 * simulated ArduCopter in real time (speed-up 1) over real sockets. No baseline: the figures
 * the issue cites (Skydio DFR airborne in ~20 s, Flock on scene in ~85 s) are whole systems.
 *
 *   npm run bench -- goto   (--quick: fewer rounds)
 */
import type { GotoView } from '../server/wire/types.ts';
import { testService } from '../tests/helpers/service.ts';
import { figure, type Bench } from './lib/report.ts';

const HOME = { lat: 28.37, lon: 121.38 };
/** points around home, ~150 m out, one per round */
const point = (i: number) => {
  const a = (i * 2 * Math.PI) / 6;
  return { lat: HOME.lat + 0.00135 * Math.cos(a), lon: HOME.lon + 0.00153 * Math.sin(a) };
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const bench: Bench = async ({ quick, log }) => {
  const rounds = quick ? 3 : 6;
  const t = await testService({ sim: 1, simOptions: { bootDelayS: 4, speedup: 1, demo: false, seed: 5 }, goto: { transitAltM: 30 } });
  try {
    const pilot = await t.user('pilot1', ['pilot']);
    const vid = 'sim-1';
    const until = async <T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, ms = 120_000): Promise<T> => {
      const end = Date.now() + ms;
      for (;;) {
        const v = await f();
        if (v) return v;
        if (Date.now() > end) throw new Error(`timed out: ${what}`);
        await sleep(5);
      }
    };
    await until('the drone', () => t.svc.fleet.get(vid));
    await t.api('POST', `/api/vehicles/${vid}/control`, pilot, { action: 'take' });
    const gotoNow = () => t.svc.gotos.current(vid);
    const send = (i: number) => t.api('POST', `/api/vehicles/${vid}/goto`, pilot, { ...point(i), confirm: true });
    await until(
      'checks pass',
      async () =>
        (await t.api('GET', `/api/vehicles/${vid}/goto/checks?lat=${point(0).lat}&lon=${point(0).lon}`, pilot)).body.every((c: { pass: boolean }) => c.pass),
    );

    // On the ground: click → armed, → climbing (0.5 m up), → moving toward the point.
    const v = t.svc.fleet.get(vid)!;
    const t0 = performance.now();
    const first = await send(0);
    if (first.status !== 201) throw new Error(`goto refused: ${JSON.stringify(first.body)}`);
    await until('armed', () => v.armed);
    const armedMs = performance.now() - t0;
    await until('climbing', () => (v.position?.altRel ?? 0) > 0.5);
    const climbingMs = performance.now() - t0;
    await until('moving', async () => (await gotoNow())?.events.some((e) => e.kind === 'moving'));
    const groundMovingMs = performance.now() - t0;
    log(`on the ground: armed ${armedMs.toFixed(0)} ms, climbing ${climbingMs.toFixed(0)} ms, moving ${groundMovingMs.toFixed(0)} ms`);

    // Airborne: click → the autopilot's ACK and the HTTP answer, → its position moving toward the point (confirmed).
    const answerMs: number[] = [];
    const movingMs: number[] = [];
    for (let i = 1; i <= rounds; i++) {
      await until('over the point', async () => (await gotoNow())?.overhead, 120_000);
      await t.api('POST', `/api/vehicles/${vid}/goto/return`, pilot, { confirm: true });
      const s = performance.now();
      const r = await send(i);
      if (r.status !== 201) throw new Error(`goto ${i} refused: ${JSON.stringify(r.body)}`);
      answerMs.push(performance.now() - s);
      await until('moving', async () => ((await gotoNow()) as GotoView | undefined)?.events.some((e) => e.kind === 'moving'));
      movingMs.push(performance.now() - s);
      log(`round ${i}: answer ${answerMs.at(-1)!.toFixed(0)} ms, moving ${movingMs.at(-1)!.toFixed(0)} ms`);
    }
    return {
      name: 'goto',
      title: 'Drone to the scene: click → moving (airborne), click → climbing (on the ground)',
      figures: [
        figure('click → climbing (on the ground, armable)', 'ms', climbingMs),
        figure('click → moving toward the point (on the ground)', 'ms', groundMovingMs),
        figure('click → HTTP answer (airborne)', 'ms median', median(answerMs)),
        figure('click → moving toward the point, confirmed (airborne)', 'ms median', median(movingMs)),
      ],
      notes: [
        'Simulated ArduCopter at real speed over loopback UDP; "moving" is SkyBeat\'s own confirmation: the position 3 m closer to the point.',
        "On the ground the climb is to the 30 m transit height before it goes across (the bench's station setting; 60 m by default).",
        `airborne rounds: ${rounds}; each starts over the previous point, just after a return-home command`,
      ],
      detail: { armedMs, climbingMs, groundMovingMs, answerMs, movingMs },
    };
  } finally {
    await t.close();
  }
};

export default bench;
