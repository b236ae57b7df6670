import { startSquadron, type Squadron, type SquadronOptions } from '../../server/sim/squadron.ts';
import { MissionClient, type MissionClientOptions } from '../../server/missions/protocol/client.ts';
import type { UdpInLink } from '../../server/links/udp.ts';
import type { Vehicle } from '../../server/vehicles/vehicle.ts';
import { groundStation } from '../helpers/ground.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * A real ground stack (udpin link on 127.0.0.1:0, Connection, Fleet) with simulated ArduCopters
 * sending to it over udpout, and a MissionClient on the Fleet.
 */
export async function missionRig(count: number, sim: Partial<SquadronOptions> = {}, client: MissionClientOptions = {}) {
  const ground = await groundStation({ sim: 'udpin://127.0.0.1:0' });
  const port = (ground.conns[0]!.link as UdpInLink).boundPort;
  let squadron: Squadron;
  try {
    squadron = await startSquadron({ count, link: `udpout://127.0.0.1:${port}`, bootDelayS: 1, gpsFixDelayS: 0.5, seed: 5, ...sim });
  } catch (err) {
    await ground.close();
    throw err;
  }
  const base = sim.sysidBase ?? 1;
  const vehicles: Vehicle[] = [];
  for (let i = 0; i < count; i++) {
    const sysid = base + i;
    vehicles.push(await waitFor(`vehicle ${sysid} in the fleet`, () => [...ground.fleet.vehicles.values()].find((v) => v.sysid === sysid)));
  }
  // The vehicle's home is set when its EKF origin is (the read-back's item 0).
  await waitFor('homes set', () => vehicles.every((v) => v.home), 15_000);
  const missions = new MissionClient(ground.fleet, client);
  return {
    fleet: ground.fleet,
    squadron,
    vehicles,
    client: missions,
    vehicle: (sysid: number) => vehicles.find((v) => v.sysid === sysid)!,
    drone: (sysid: number) => squadron.drone(sysid),
    async close() {
      missions.close();
      await squadron.close();
      await ground.close();
    },
  };
}
