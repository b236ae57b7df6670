import { ardupilotmega, minimal } from 'node-mavlink';

const { MavType } = minimal;

/** ArduPilot's flight-mode tables by vehicle family; custom_mode of HEARTBEAT indexes them. */
function table(e: object): Map<number, string> {
  return new Map(Object.entries(e).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k]));
}
const COPTER = table(ardupilotmega.CopterMode);
const PLANE = table(ardupilotmega.PlaneMode);
const ROVER = table(ardupilotmega.RoverMode);
const SUB = table(ardupilotmega.SubMode);

function modesFor(type: number): Map<number, string> {
  switch (type) {
    case MavType.FIXED_WING:
    case MavType.VTOL_TAILSITTER_DUOROTOR: case MavType.VTOL_TAILSITTER_QUADROTOR:
    case MavType.VTOL_TILTROTOR: case MavType.VTOL_FIXEDROTOR: case MavType.VTOL_TAILSITTER: case MavType.VTOL_TILTWING:
      return PLANE;
    case MavType.GROUND_ROVER: case MavType.SURFACE_BOAT:
      return ROVER;
    case MavType.SUBMARINE:
      return SUB;
    default:
      return COPTER;
  }
}

export const ardupilot = {
  /** Which mode does what (copter names; planes and rovers hold with LOITER/HOLD). */
  roles(type: number) {
    const family = modesFor(type);
    return {
      guided: 'GUIDED',
      mission: 'AUTO',
      hold: family === COPTER ? 'BRAKE' : family === ROVER ? 'HOLD' : 'LOITER',
      rtl: 'RTL',
      land: family === PLANE ? 'QLAND' : 'LAND',
    };
  },
  modeName(type: number, customMode: number): string {
    return modesFor(type).get(customMode) ?? `UNKNOWN(${customMode})`;
  },
  modeNumber(type: number, name: string): number | undefined {
    for (const [n, v] of modesFor(type)) if (v === name) return n;
    return undefined;
  },
};
