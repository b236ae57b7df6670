import { spawn } from 'node:child_process';
import { common } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { Connection } from '../../server/links/connection.ts';
import { createLink } from '../../server/links/create.ts';
import type { UdpInLink } from '../../server/links/udp.ts';
import { FaultArgsError, NO_FAULTS, parseFaultArgs, type Faults } from '../../server/tools/faultproxy/args.ts';
import { FaultProxy } from '../../server/tools/faultproxy/proxy.ts';
import { startSquadron } from '../../server/sim/squadron.ts';
import { REPO } from '../helpers/shared.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const cleanup = cleanupAfterEach();

/** A MAVLink endpoint on a real socket that sends numbered packets and notes when each number arrives. */
async function endpoint(uri: string, sysid: number) {
  const link = createLink(uri);
  const conn = new Connection(`e${sysid}`, link, { sysid, compid: 1 });
  const arrivals: { n: number; at: number }[] = [];
  conn.on('message', ({ msg }) => {
    if (msg instanceof common.GlobalPositionInt) arrivals.push({ n: msg.timeBootMs, at: performance.now() });
  });
  await link.open();
  cleanup.push(() => conn.close());
  const sentAt = new Map<number, number>();
  return {
    conn,
    arrivals,
    sentAt,
    send(n: number) {
      const p = new common.GlobalPositionInt();
      Object.assign(p, { timeBootMs: n, lat: 283700000, lon: 1213800000, alt: 10000, hdg: 0 });
      sentAt.set(n, performance.now());
      conn.send(p);
    },
    /** CRC errors this endpoint's framers saw */
    crcErrors: () => conn.counters().crcErrors,
  };
}

/** vehicle ⇄ proxy ⇄ ground, all on loopback UDP as in the example (the ground listens). */
async function rig(faults: Faults, seed: number) {
  const ground = await endpoint('udpin://127.0.0.1:0', 255);
  const groundPort = (ground.conn.link as UdpInLink).boundPort;
  const proxy = new FaultProxy({ listen: 'udpin://127.0.0.1:0', to: `udpout://127.0.0.1:${groundPort}`, faults, seed });
  await proxy.open();
  cleanup.push(() => proxy.close());
  const vehicle = await endpoint(`udpout://127.0.0.1:${proxy.listen.boundPort}`, 1);
  return { ground, vehicle, proxy };
}

/**
 * Send n numbered packets, 20 at a time: each batch once the previous one has reached the proxy
 * (`taken` counts what it took in), or 10 ms apart when it cannot be watched (another process).
 * A socket's receive buffer holds only ~256 small datagrams, and a datagram the kernel drops on
 * a busy machine is not a fault of the proxy.
 */
async function sendNumbered(from: Awaited<ReturnType<typeof endpoint>>, first: number, n: number, taken?: () => number) {
  const before = taken?.() ?? 0;
  for (let i = 0; i < n; i++) {
    from.send(first + i);
    if (i % 20 !== 19 && i !== n - 1) continue;
    if (taken) await waitFor(`packet ${i + 1} of ${n} taken in`, () => taken() - before >= i + 1, 5000, 1);
    else await new Promise((r) => setTimeout(r, 10));
  }
}

/** What the receiver can tell: numbers missing, extra copies, numbers that overtook a later one. */
function observe(arrivals: { n: number }[], sent: number) {
  const seen = new Set<number>();
  let copies = 0;
  let inversions = 0;
  let highest = -1;
  for (const { n } of arrivals) {
    if (seen.has(n)) {
      copies++;
      continue;
    }
    seen.add(n);
    if (n < highest) inversions++;
    highest = Math.max(highest, n);
  }
  return { missing: sent - seen.size, copies, inversions };
}

/** A count from a seeded random process must lie within 5 standard deviations (Poisson) of its expectation. */
function expectAbout(what: string, observed: number, expected: number) {
  expect(expected, `${what}: too few expected events for a meaningful bound`).toBeGreaterThan(25);
  const slack = 5 * Math.sqrt(expected);
  expect(observed, `${what}: ${observed}, expected ${expected.toFixed(0)} ± ${slack.toFixed(0)}`).toBeGreaterThanOrEqual(expected - slack);
  expect(observed, `${what}: ${observed}, expected ${expected.toFixed(0)} ± ${slack.toFixed(0)}`).toBeLessThanOrEqual(expected + slack);
}

describe('fault proxy over loopback UDP', () => {
  it('drops, duplicates, reorders and corrupts packets at the set rates, in both directions', async () => {
    const f: Faults = { ...NO_FAULTS, loss: 0.3, dup: 0.05, reorder: 0.05, corrupt: 0.01 };
    const { ground, vehicle, proxy } = await rig(f, 20261123);
    const N = 5000;
    // The ground learns the proxy's address from the first packet through (number 0, maybe dropped: resend).
    await waitFor('the ground knows the proxy', () => {
      if (ground.conn.link.peerCount === 0) vehicle.send(0);
      return ground.conn.link.peerCount === 1;
    });
    await Promise.all([sendNumbered(vehicle, 1, N, () => proxy.counters().up), sendNumbered(ground, 1, N, () => proxy.counters().down)]);
    // Every packet reached the proxy (numbers 1..N each way, plus the handshake's 0s).
    await waitFor('all relayed', () => proxy.counters().up >= N + 1 && proxy.counters().down >= N);
    await new Promise((r) => setTimeout(r, 400)); // held packets go out after 200 ms at most
    const c = proxy.counters();
    for (const [dir, to] of [['vehicle → ground', ground], ['ground → vehicle', vehicle]] as const) {
      const arrivals = to.arrivals.filter((a) => a.n >= 1);
      const o = observe(arrivals, N);
      const kept = N * (1 - f.loss);
      // Missing: lost, or corrupted (a flipped bit after the header always fails the CRC).
      expectAbout(`${dir} missing`, o.missing, N * (1 - (1 - f.loss) * (1 - f.corrupt)));
      expectAbout(`${dir} CRC errors at the receiver`, to.crcErrors(), kept * f.corrupt * (1 + f.dup));
      expectAbout(`${dir} duplicates`, o.copies, kept * (1 - f.corrupt) * f.dup);
      // A hold starts with probability p when none is pending, and shows when a different, intact packet overtakes it.
      expectAbout(`${dir} reordered`, o.inversions, kept * (1 + f.dup) * (f.reorder / (1 + f.reorder)) * (1 - f.dup) * (1 - f.corrupt) ** 2);
    }
    expect(c.junk).toEqual({ listen: { crcErrors: 0, unknown: 0, droppedBytes: 0 }, to: { crcErrors: 0, unknown: 0, droppedBytes: 0 } });
  });

  it('delays every packet by MEAN ± JITTER ms', async () => {
    const { ground, vehicle } = await rig({ ...NO_FAULTS, delayMs: 50, jitterMs: 30 }, 7);
    for (let i = 0; i < 60; i++) {
      vehicle.send(i);
      await new Promise((r) => setTimeout(r, 40));
    }
    await waitFor('all delivered', () => ground.arrivals.length === 60, 3000);
    const delays = ground.arrivals.map((a) => a.at - vehicle.sentAt.get(a.n)!).sort((a, b) => a - b);
    expect(delays[0]).toBeGreaterThanOrEqual(19); // timers may fire up to 1 ms early against performance.now()
    expect(delays.at(-1)).toBeLessThan(80 + 100); // + what a busy test machine adds
    const mean = delays.reduce((s, d) => s + d, 0) / delays.length;
    expect(mean).toBeGreaterThan(42); // 50 ± 4 standard errors of a uniform 20-80 sample of 60
    expect(mean).toBeLessThan(65); // (+ timer lateness on a busy machine)
    // Spread over the whole window, not a fixed delay.
    expect(delays[5]).toBeLessThan(40);
    expect(delays[54]).toBeGreaterThan(65);
  });

  it('replays exactly from its seed', async () => {
    const f: Faults = { ...NO_FAULTS, loss: 0.3, dup: 0.1 };
    const runs = [];
    for (let k = 0; k < 2; k++) {
      const { ground, vehicle, proxy } = await rig(f, 99);
      await sendNumbered(vehicle, 0, 400, () => proxy.counters().up);
      await waitFor('relayed', () => proxy.counters().up === 400);
      await new Promise((r) => setTimeout(r, 100));
      runs.push(ground.arrivals.map((a) => a.n));
    }
    expect(runs[0]!.length).toBeGreaterThan(200);
    expect(runs[1]).toEqual(runs[0]);
  });
});

describe('fault proxy between the simulator and the service', () => {
  // (Reordering by jitter is covered in defects.test.ts.)
  it("with the issue's faults (delay without jitter) the drone is found, flies on the map, and its link shows the loss and the bit errors", async () => {
    const t = await testService({ links: ['udpin://127.0.0.1:0'] });
    cleanup.push(() => t.close());
    const servicePort = (t.svc.fleet.connections.get('l1')!.link as UdpInLink).boundPort;
    const proxy = new FaultProxy({
      listen: 'udpin://127.0.0.1:0',
      to: `udpout://127.0.0.1:${servicePort}`,
      seed: 14551,
      faults: { loss: 0.3, dup: 0.05, reorder: 0.05, corrupt: 0.01, delayMs: 50, jitterMs: 0 },
    });
    await proxy.open();
    cleanup.push(() => proxy.close());
    const squadron = await startSquadron({ count: 1, link: `udpout://127.0.0.1:${proxy.listen.boundPort}`, seed: 3, gpsFixDelayS: 0, bootDelayS: 0 });
    cleanup.push(() => squadron.close());

    // Found (by a heartbeat that got through), asked for streams (through the proxy the other way), positions flowing.
    const v = await waitFor('drone with a position through the proxy', () => t.svc.fleet.get('l1-1')?.position && t.svc.fleet.get('l1-1'), 15_000);
    await waitFor('a few seconds of telemetry', () => v.sequence.received > 400, 20_000);
    const view = v.view(t.svc.fleet.crcErrorsOf(v));
    // Sequence gaps: the 30 % lost and the 1 % corrupted; reordered packets fill their holes again.
    expect(view.link.lossPercent).toBeGreaterThan(25);
    expect(view.link.lossPercent).toBeLessThan(45);
    expect(view.link.crcErrors).toBeGreaterThan(0);
    expect(proxy.counters().down).toBeGreaterThan(0); // our heartbeats and stream requests went to the drone
  });
});

describe('fault proxy flags', () => {
  it.each([
    [['--to', 'udpout://127.0.0.1:14550'], /--listen is required/],
    [['--listen', 'udpin://127.0.0.1:14551'], /--to is required/],
    [['--listen', 'udp://x:1', '--to', 'udpout://127.0.0.1:14550'], /--listen "udp:\/\/x:1": unknown link type "udp"/],
    [['--listen', 'udpin://127.0.0.1:14551', '--to', 'udpout://127.0.0.1:14550', '--loss', '30%'], /--loss 30%: expected a probability from 0 to 1/],
    [['--listen', 'udpin://127.0.0.1:14551', '--to', 'udpout://127.0.0.1:14550', '--dup', '1.5'], /--dup 1.5: expected a probability/],
    [['--listen', 'udpin://127.0.0.1:14551', '--to', 'udpout://127.0.0.1:14550', '--delay', '50ms'], /--delay 50ms: expected MS or MS:JITTER/],
    [['--listen', 'udpin://127.0.0.1:14551', '--to', 'udpout://127.0.0.1:14550', '--delay', '10:30'], /jitter 30 ms exceeds the delay 10 ms/],
    [['--listen', 'udpin://127.0.0.1:14551', '--to', 'udpout://127.0.0.1:14550', '--seed', '1.5'], /--seed 1.5: expected a whole number/],
    [['--listen', 'udpin://127.0.0.1:14551', '--to', 'udpout://127.0.0.1:14550', '--los', '0.1'], /Unknown option '--los'/],
  ])('%j is refused with a clear message', (argv, message) => {
    expect(() => parseFaultArgs(argv)).toThrow(FaultArgsError);
    expect(() => parseFaultArgs(argv)).toThrow(message);
  });

  it('reads the example from the issue', () => {
    expect(
      parseFaultArgs([
        '--listen',
        'udpin://127.0.0.1:14551',
        '--to',
        'udpout://127.0.0.1:14550',
        '--loss',
        '0.3',
        '--dup',
        '0.05',
        '--reorder',
        '0.05',
        '--corrupt',
        '0.01',
        '--delay',
        '50:30',
        '--seed',
        '42',
      ]),
    ).toEqual({
      listen: 'udpin://127.0.0.1:14551',
      to: 'udpout://127.0.0.1:14550',
      seed: 42,
      faults: { loss: 0.3, dup: 0.05, reorder: 0.05, corrupt: 0.01, delayMs: 50, jitterMs: 30 },
    });
  });

  it('the command line exits 2 naming the bad flag, and relays until stopped', async () => {
    const run = (args: string[]) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/tools/faultproxy.ts', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      return { child, out: () => out, exited: new Promise<number | null>((r) => child.on('exit', r)) };
    };
    const bad = run(['--listen', 'udpin://127.0.0.1:0', '--to', 'udpout://127.0.0.1:14550', '--corrupt', 'lots']);
    expect(await bad.exited).toBe(2);
    expect(bad.out()).toMatch(/^faultproxy: --corrupt lots: expected a probability from 0 to 1/);

    const ground = await endpoint('udpin://127.0.0.1:0', 255);
    const groundPort = (ground.conn.link as UdpInLink).boundPort;
    const good = run(['--listen', 'udpin://127.0.0.1:0', '--to', `udpout://127.0.0.1:${groundPort}`, '--loss', '0.5', '--seed', '3']);
    cleanup.push(() => good.child.kill('SIGKILL'));
    const listening = await waitFor('proxy start line', () => /faultproxy: udpin:\/\/127\.0\.0\.1:(\d+) ⇄ .*loss 0\.5.*seed 3/.exec(good.out()), 15_000);
    const vehicle = await endpoint(`udpout://127.0.0.1:${listening[1]}`, 1);
    await sendNumbered(vehicle, 0, 200);
    await waitFor('packets through', () => ground.arrivals.length > 50);
    expect(ground.arrivals.length).toBeLessThan(150);
    good.child.kill('SIGTERM');
    expect(await good.exited).toBe(0);
    expect(good.out()).toMatch(/faultproxy: stopped; packets listen→to 200, to→listen \d+/);
  });
});
