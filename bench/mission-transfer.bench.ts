/**
 * Time to upload and verify (read back and compare) a 100-item mission on loopback, against
 * simulated ArduCopters over real UDP sockets: clean, and with 20 % of packets lost both ways.
 * Baseline: a plain request-answer loop with no retry tuning (one 1.5 s wait per message, no resends).
 *
 *   npm run bench -- mission-transfer   (--quick: fewer runs)
 */
import { common } from 'node-mavlink';
import { Exchange } from '../server/missions/protocol/exchange.ts';
import { compareRows } from '../server/missions/protocol/verify.ts';
import { itemMessage, routeToWire, wireOf, type WireItem } from '../server/missions/protocol/wire.ts';
import type { Vehicle } from '../server/vehicles/vehicle.ts';
import { missionRig } from '../tests/missions/rig.ts';
import type { Bench, BenchReport } from './lib/report.ts';
import { hundredItems } from '../tests/missions/routes-for-tests.ts';

const WAIT_MS = 1500;

type Rig = Awaited<ReturnType<typeof missionRig>>;
type Outcome = { ok: boolean; ms: number; why: string };

/** The baseline: answer what is asked, wait once for each answer, never resend. */
async function baseline(rig: Rig, v: Vehicle, rows: WireItem[]): Promise<Outcome> {
  const t0 = performance.now();
  const done = (ok: boolean, why: string) => ({ ok, ms: performance.now() - t0, why });
  const x = new Exchange(rig.fleet, v, { sysid: 255, compid: 190 }, 0, new AbortController().signal);
  const stop = x.listen();
  try {
    const count = new common.MissionCount();
    count.count = rows.length;
    x.send(count);
    for (;;) {
      const m = await x.next(WAIT_MS);
      if (m === 'timeout' || m === 'cancelled') return done(false, 'upload stalled');
      if (m instanceof common.MissionAck) {
        if (m.type !== 0) return done(false, `upload refused (${m.type})`);
        break;
      }
      if (m instanceof common.MissionRequest || m instanceof common.MissionRequestInt) {
        x.send(itemMessage(rows[m.seq]!));
      }
    }
    x.send(new common.MissionRequestList());
    const got: WireItem[] = [];
    let total = -1;
    while (got.length !== total) {
      const m = await x.next(WAIT_MS);
      if (m === 'timeout' || m === 'cancelled') return done(false, `read-back stalled at item ${got.length}`);
      if (m instanceof common.MissionCount) total = m.count;
      else if (m instanceof common.MissionItemInt && m.seq === got.length) got.push(wireOf(m));
      else continue;
      if (got.length === total) break;
      const req = new common.MissionRequestInt();
      req.seq = got.length;
      x.send(req);
    }
    const ack = new common.MissionAck();
    ack.type = 0;
    x.send(ack);
    const diff = compareRows(rows, got, 'mission', 'ardupilot');
    return done(!diff, diff ? `mismatch at ${diff.seq}` : '');
  } finally {
    stop();
  }
}

const ROUTE = hundredItems();

async function ours(rig: Rig, v: Vehicle): Promise<Outcome> {
  const t0 = performance.now();
  const r = await rig.client.uploadRoute(v, ROUTE);
  return { ok: r.kind === 'success', ms: performance.now() - t0, why: r.kind === 'success' ? '' : r.message };
}

const median = (runs: Outcome[]) => {
  const ok = runs.filter((r) => r.ok).map((r) => r.ms).sort((a, b) => a - b);
  return ok.length ? ok[Math.floor(ok.length / 2)]! : NaN;
};
const verified = (runs: Outcome[]) => runs.filter((r) => r.ok).length;
const failures = (runs: Outcome[]) => [...new Set(runs.filter((r) => !r.ok).map((r) => r.why))];

const bench: Bench = async ({ quick, log }): Promise<BenchReport> => {
  const CLEAN_RUNS = quick ? 4 : 10;
  const LOSSY_RUNS = quick ? 2 : 4;
  const rig = await missionRig(1 + 2 * LOSSY_RUNS, { seed: 2026 });
  try {
    const rows = routeToWire(ROUTE, 'mission', 'ardupilot');
    const clean = rig.vehicle(1);
    const cleanOurs: Outcome[] = [];
    const cleanBase: Outcome[] = [];
    for (let i = 0; i < CLEAN_RUNS; i++) { // alternating who goes first, so warm-up favours neither
      if (i % 2) cleanBase.push(await baseline(rig, clean, rows));
      cleanOurs.push(await ours(rig, clean));
      if (!(i % 2)) cleanBase.push(await baseline(rig, clean, rows));
    }
    log(`clean: ours ${verified(cleanOurs)}/${CLEAN_RUNS}, baseline ${verified(cleanBase)}/${CLEAN_RUNS}`);
    // Lossy runs side by side, each on a drone of its own, so the bench takes one run's time.
    const lossy = (k: number) => {
      const sysid = 2 + k;
      rig.drone(sysid).setLinkFaults({ loss: 0.2 });
      return rig.vehicle(sysid);
    };
    const [lossyOurs, lossyBase] = await Promise.all([
      Promise.all(Array.from({ length: LOSSY_RUNS }, (_, k) => ours(rig, lossy(k)))),
      Promise.all(Array.from({ length: LOSSY_RUNS }, (_, k) => baseline(rig, lossy(LOSSY_RUNS + k), rows))),
    ]);
    const cm = median(cleanOurs);
    const cb = median(cleanBase);
    return {
      name: 'mission-transfer',
      title: `Mission transfer: upload + read-back + compare of a 100-item route (${rows.length} items with home), simulated ArduCopter, UDP loopback`,
      figures: [
        {
          what: `clean link, median of ${CLEAN_RUNS}`,
          unit: 'ms',
          value: cm,
          baseline: { name: 'request-answer loop, no retries', value: cb },
          ratio: cm / cb,
        },
        {
          what: `20 % loss both ways: verified of ${LOSSY_RUNS}`,
          unit: 'runs',
          value: verified(lossyOurs),
          baseline: { name: 'request-answer loop, no retries', value: verified(lossyBase) },
          aim: { text: 'every run verified', met: verified(lossyOurs) === LOSSY_RUNS },
        },
        { what: '20 % loss both ways: median time of the verified runs', unit: 'ms', value: median(lossyOurs) },
      ],
      notes: [
        "The lossy time is mostly the vehicle's 1 s re-request whenever one of its requests is lost (ArduPilot's habit, simulated).",
        ...failures(lossyOurs).map((f) => `SkyBeat failure: ${f}`),
        ...failures(lossyBase).map((f) => `baseline failure: ${f}`),
      ],
      detail: { cleanOurs, cleanBase, lossyOurs, lossyBase, seed: rig.squadron.seed },
    };
  } finally {
    await rig.close();
  }
};

export default bench;
