import { common } from 'node-mavlink';
import { MissionClient } from '../../server/missions/protocol/client.ts';
import { arduCopter } from '../../server/sim/ardupilot.ts';
import { MissionFaults } from '../../server/sim/mission-faults.ts';
import { MissionServer, type MissionLimits } from '../../server/sim/mission-server.ts';
import type { FakeClock } from '../helpers/fake-clock.ts';
import { scriptedVehicle, type ScriptedVehicleOptions } from '../helpers/scripted-vehicle.ts';

const HOME = { lat: 28.3725, lon: 121.3801, altMsl: 12.5 };

export interface ScriptedArduPilotOptions extends ScriptedVehicleOptions {
  /** ask for items with MISSION_REQUEST_INT (PX4's and the spec's way) instead of MISSION_REQUEST */
  requestInt?: boolean;
  limits?: Partial<MissionLimits>;
  /** a flying mission cannot be cleared */
  missionRunning?: boolean;
  /** whole upload-and-verify attempts of the MissionClient */
  attempts?: number;
}

/**
 * A scripted vehicle whose mission protocol is the simulator's ArduPilot model (MissionServer:
 * MISSION_REQUEST, item 0 home, re-request after 1 s, abandon after 8 s, INVALID_SEQUENCE for a
 * wrong item), polled every 50 ms as the simulator does, all in simulated time; and a
 * MissionClient on the same fake clock. Faults: the model's own (`faults`), or the wire's.
 */
export async function scriptedArduPilot(fc: FakeClock, opts: ScriptedArduPilotOptions = {}) {
  const peer = await scriptedVehicle(fc, opts);
  const faults = new MissionFaults();
  const server = new MissionServer({
    now: () => fc.clock.now(),
    send: (m) => peer.send(m),
    say: (said) => {
      for (const [severity, text] of said) peer.send(Object.assign(new common.StatusText(), { severity, text }));
    },
    voice: arduCopter.voice,
    habits: arduCopter.mission,
    home: () => HOME,
    currentSeq: () => 0,
    missionRunning: () => opts.missionRunning ?? false,
    missionChanged: () => {},
    faults,
    requestInt: opts.requestInt ?? false,
  }, { mission: 700, fence: 84, rally: 10, ...opts.limits });
  peer.on((msg, from) => server.handle(msg, from));
  const stopPolling = fc.every(50, () => server.update(fc.clock.now()));
  const client = new MissionClient(peer.fleet, { clock: fc.clock, attempts: opts.attempts });
  return {
    ...peer,
    server,
    faults,
    client,
    async close() {
      stopPolling();
      client.close();
      await peer.close();
    },
  };
}
