import { afterEach, describe, expect, it } from 'vitest';
import { patrolRig } from './rig.ts';

type Rig = Awaited<ReturnType<typeof patrolRig>>;
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** The rig's simulated drone, as PX4 (server/sim/px4.ts): 4× time, ready to arm after 4 s. */
const PX4_SIM = { bootDelayS: 4, speedup: 4, demo: false, seed: 11, autopilot: 'px4' as const };

describe('a patrol against the simulated PX4, over real sockets', () => {
  it('uploads, switches to Mission, arms; the drone takes off by itself, flies the route, returns (its own mode change) and lands', async () => {
    rig = await patrolRig({ simOptions: PX4_SIM });
    const r = rig;
    const modes: string[] = [];
    r.t.svc.fleet.on('changed', (v) => {
      if (v.id === r.vid && modes.at(-1) !== v.mode) modes.push(v.mode);
    });
    expect(r.t.svc.fleet.get(r.vid)!.autopilot).toBe('px4');
    expect((await r.take()).status).toBe(200);
    await r.ready();

    const launched = await r.launch();
    expect(launched.status).toBe(201);
    const id = launched.body.id as number;
    await r.until(id, 'flying', (x) => x.state === 'flying', 60_000);
    expect(r.drone.status().mode).toBe('MISSION');

    const done = await r.until(id, 'landed', (x) => x.state === 'landed', 150_000);
    expect(done.result).toBe('completed');
    expect(done.maxAltM).toBeGreaterThan(18);
    expect(done.maxAltM).toBeLessThan(32); // 20 m legs, PX4's return at 30 m above home
    // PX4 went to RETURN at the route's RTL item and to HOLD when it disarmed, by itself.
    expect(r.drone.status()).toMatchObject({ armed: false, landed: true, mode: 'HOLD' });
    expect(modes.slice(modes.indexOf('MISSION'))).toEqual(['MISSION', 'RETURN', 'HOLD']);
    // Loss on the loopback link counts the packets of ids no dialect here knows (PX4's
    // LINK_NODE_STATUS, TIME_ESTIMATE_TO_TARGET, CURRENT_EVENT_SEQUENCE: ~2 a second of ~15 once
    // the fast streams are off); left out, they would read as >10 % loss. (Under 1 %, not 0: a
    // loaded machine's socket buffer may drop a datagram of a burst.)
    const link = r.t.svc.fleet.connections.get('sim')!;
    expect(link.counters().unknown).toBeGreaterThan(100);
    expect(link.sequenceOf(1).lossPercent).toBeLessThan(1);
  });
});
