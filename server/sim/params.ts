import { common, type MavLinkData } from 'node-mavlink';
import { DEFAULTS } from './ardupilot.ts';

const { MavParamType } = common;

interface ParamDef {
  name: string;
  type: number;
  value: number;
  min: number;
  max: number;
}

const def = (name: keyof typeof DEFAULTS, type: number, value: number, min: number, max: number): ParamDef => ({ name, type, value, min, max });

/**
 * The ArduCopter parameters the simulator actually flies by, under their real names and units
 * (a ground station can read and set them over the parameter protocol, as the failsafe capture
 * did with BATT_LOW_VOLT and BATT_FS_LOW_ACT). A real ArduCopter has ~1350; we hold only these.
 */
export class Params {
  private readonly defs: ParamDef[];

  constructor(overrides: Partial<Record<string, number>> = {}) {
    const d = DEFAULTS;
    this.defs = [
      def('WPNAV_SPEED', MavParamType.REAL32, d.WPNAV_SPEED, 20, 2000),
      def('WPNAV_SPEED_UP', MavParamType.REAL32, d.WPNAV_SPEED_UP, 10, 1000),
      def('WPNAV_SPEED_DN', MavParamType.REAL32, d.WPNAV_SPEED_DN, 10, 500),
      def('WPNAV_ACCEL', MavParamType.REAL32, d.WPNAV_ACCEL, 50, 500),
      def('WPNAV_RADIUS', MavParamType.REAL32, d.WPNAV_RADIUS, 5, 1000),
      def('LAND_SPEED', MavParamType.INT16, d.LAND_SPEED, 30, 200),
      def('LAND_ALT_LOW', MavParamType.INT16, d.LAND_ALT_LOW, 100, 10000),
      def('RTL_ALT', MavParamType.INT32, d.RTL_ALT, 200, 300000),
      def('RTL_LOIT_TIME', MavParamType.INT32, d.RTL_LOIT_TIME, 0, 60000),
      def('DISARM_DELAY', MavParamType.INT16, d.DISARM_DELAY, 0, 127),
      def('FS_GCS_ENABLE', MavParamType.INT8, d.FS_GCS_ENABLE, 0, 7),
      def('FS_GCS_TIMEOUT', MavParamType.REAL32, d.FS_GCS_TIMEOUT, 2, 120),
      def('BATT_LOW_VOLT', MavParamType.REAL32, d.BATT_LOW_VOLT, 0, 100),
      def('BATT_LOW_TIMER', MavParamType.INT8, d.BATT_LOW_TIMER, 0, 120),
      def('BATT_FS_LOW_ACT', MavParamType.INT8, d.BATT_FS_LOW_ACT, 0, 7),
      def('BATT_CAPACITY', MavParamType.INT32, d.BATT_CAPACITY, 100, 1_000_000),
      def('MAV_GCS_SYSID', MavParamType.INT16, d.MAV_GCS_SYSID, 1, 255),
    ];
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) continue;
      if (!this.set(name, value)) throw new Error(`parameter ${name}=${value}: unknown or out of range`);
    }
  }

  get(name: string): number {
    const p = this.find(name);
    if (!p) throw new Error(`simulator has no parameter ${name}`);
    return p.value;
  }

  /** Set a value; false (and no change) for an unknown name or a value outside the parameter's range. */
  set(name: string, value: number): boolean {
    const p = this.find(name);
    if (!p || !Number.isFinite(value) || value < p.min || value > p.max) return false;
    p.value = p.type === MavParamType.REAL32 ? Math.fround(value) : Math.round(value);
    return true;
  }

  private find(name: string): ParamDef | undefined {
    return this.defs.find((p) => p.name === name);
  }

  /** PARAM_VALUE for one parameter, by name or index; undefined if there is none. */
  valueMessage(key: string | number): MavLinkData | undefined {
    const index = typeof key === 'number' ? key : this.defs.findIndex((p) => p.name === key);
    const p = this.defs[index];
    if (!p) return undefined;
    const m = new common.ParamValue();
    m.paramId = p.name;
    m.paramValue = p.value;
    m.paramType = p.type;
    m.paramCount = this.defs.length;
    m.paramIndex = index;
    return m;
  }

  get count(): number {
    return this.defs.length;
  }
}
