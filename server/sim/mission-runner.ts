import { common } from 'node-mavlink';
import type { MissionHabits, Said, Voice } from './firmware.ts';
import type { RawMissionItem } from './mission-items.ts';
import { LandNav, PointNav, RtlNav, TakeoffNav, type Nav, type NavContext } from './nav.ts';
import type { Local } from './physics/geo.ts';

const { MavCmd, MavFrame } = common;

export interface RunnerHost {
  items(): RawMissionItem[];
  ctx(): NavContext;
  toLocal(latE7: number, lonE7: number): Local;
  homeAltMsl(): number;
  readonly voice: Voice;
  readonly habits: MissionHabits;
  say(said: Said): void;
  itemReached(seq: number): void;
  setSpeed(metresPerSecond: number): void;
  /** the mission ran past its last item (ArduCopter disarms if landed, else loiters in AUTO) */
  missionEnded(): void;
  /** an RTL item ended the mission (habits.rtlItemEndsMission): the vehicle switches to RTL */
  returnToLaunch(): void;
}

export type MissionRunState = 'stopped' | 'running' | 'complete';

const NAV_COMMANDS = new Set<number>([
  MavCmd.NAV_WAYPOINT,
  MavCmd.NAV_LOITER_UNLIM,
  MavCmd.NAV_LOITER_TURNS,
  MavCmd.NAV_LOITER_TIME,
  MavCmd.NAV_RETURN_TO_LAUNCH,
  MavCmd.NAV_LAND,
  MavCmd.NAV_TAKEOFF,
  MavCmd.NAV_SPLINE_WAYPOINT,
  MavCmd.NAV_DELAY,
  MavCmd.NAV_LOITER_TO_ALT,
  MavCmd.NAV_PAYLOAD_PLACE,
  MavCmd.NAV_GUIDED_ENABLE,
]);

/** A DO_JUMP chain that never reaches a navigation command ends the mission instead of spinning. */
const MAX_DO_COMMANDS_IN_A_ROW = 64;

/**
 * Runs the stored mission in AUTO the way AP_Mission + ModeAuto do, one navigation item at a
 * time (PX4's navigator the same way, with the habits its Firmware names).
 */
export class MissionRunner {
  state: MissionRunState = 'stopped';
  /** index of the current navigation item (MISSION_CURRENT.seq); 0 before a start */
  current = 0;
  nav: Nav | null = null;
  private readonly jumps = new Map<number, number>();
  /** an item has been started since the last rewind (PX4's first item is seq 0, so current alone cannot tell) */
  private begun = false;

  constructor(private readonly host: RunnerHost) {}

  private get first(): number {
    return this.host.habits.firstItem;
  }

  /** AP_Mission::start_or_resume: resume the interrupted item, or start over after completion. */
  startOrResume(): void {
    if (this.state === 'running') return;
    const fresh = this.state === 'complete' || !this.begun;
    this.state = 'running';
    this.host.say(this.host.voice.missionStarted());
    if (fresh) {
      this.jumps.clear();
      this.advance(this.first);
    } else this.begin(this.current);
  }

  /** Leaving AUTO: the mission pauses where it is. */
  stop(): void {
    if (this.state === 'running') this.state = 'stopped';
    this.nav = null;
  }

  /** On disarm ArduCopter rewinds the mission to its start. */
  rewind(): void {
    this.current = 0;
    this.begun = false;
    this.nav = null;
    if (this.state === 'running') this.state = 'stopped';
  }

  /** Repeat the current item's "Mission: N ..." text (MISSION_START makes ArduCopter send it twice). */
  announceCurrent(): void {
    const item = this.host.items()[this.current];
    if (this.state === 'running' && item) this.host.say(this.host.voice.itemStarted(this.current, item, this.altAboveHome(item), true));
  }

  /** True when the first navigation item from here is a takeoff (ModeAuto's check on the ground). */
  startsWithTakeoff(): boolean {
    const items = this.host.items();
    const from = this.state === 'complete' || !this.begun ? this.first : this.current;
    for (let i = from; i < items.length; i++) {
      if (NAV_COMMANDS.has(items[i]!.command)) return items[i]!.command === MavCmd.NAV_TAKEOFF;
    }
    return false;
  }

  /** After a physics step: finish the current item and start the next when it is done. */
  update(dt: number): void {
    if (this.state !== 'running' || !this.nav) return;
    if (!this.nav.update(this.host.ctx(), dt)) return;
    const items = this.host.items();
    const item = items[this.current];
    // An RTL item that ends the mission is reported in place of the item reached before it (PX4).
    const rtlNext = this.host.habits.rtlItemEndsMission && items[this.nextNav(this.current + 1)]?.command === MavCmd.NAV_RETURN_TO_LAUNCH;
    if (!rtlNext) {
      this.host.itemReached(this.current);
      if (item) this.host.say(this.host.voice.itemReached(this.current, item.command));
    }
    this.advance(this.current + 1);
  }

  /** The next navigation item from `index` on, past DO commands (not following jumps); -1 if none. */
  private nextNav(index: number): number {
    const items = this.host.items();
    for (let i = index; i < items.length; i++) if (NAV_COMMANDS.has(items[i]!.command)) return i;
    return -1;
  }

  /** Run DO commands from `index` until a navigation item starts (or the mission ends). */
  private advance(index: number): void {
    const items = this.host.items();
    let i = index;
    for (let guard = 0; guard < MAX_DO_COMMANDS_IN_A_ROW; guard++) {
      const item = items[i];
      if (!item) return this.finish();
      if (NAV_COMMANDS.has(item.command)) return this.begin(i);
      if (item.command === MavCmd.DO_JUMP) {
        i = this.jump(i, item);
        continue;
      }
      this.host.say(this.host.voice.itemStarted(i, item, this.altAboveHome(item), false));
      if (item.command === MavCmd.DO_CHANGE_SPEED && item.param2 > 0) this.host.setSpeed(item.param2);
      i++;
    }
    this.finish();
  }

  /** DO_JUMP param1 = target item, param2 = repeats (-1 forever). */
  private jump(i: number, item: RawMissionItem): number {
    const done = this.jumps.get(i) ?? 0;
    if (item.param2 >= 0 && done >= item.param2) return i + 1;
    this.jumps.set(i, done + 1);
    return Math.max(this.first, Math.round(item.param1));
  }

  private begin(i: number): void {
    const item = this.host.items()[i]!;
    this.current = i;
    this.begun = true;
    if (item.command === MavCmd.NAV_RETURN_TO_LAUNCH && this.host.habits.rtlItemEndsMission) {
      // PX4: the mission is over here; RTL mode flies the way home.
      this.host.itemReached(i);
      this.complete();
      return this.host.returnToLaunch();
    }
    this.host.say(this.host.voice.itemStarted(i, item, this.altAboveHome(item), false));
    this.nav = this.navFor(item);
  }

  private finish(): void {
    this.complete();
    this.host.missionEnded();
  }

  /** Out of items: loiter where it is, or stay on the ground. */
  private complete(): void {
    this.state = 'complete';
    const f = this.host.ctx().flight;
    this.nav = f.landed ? null : new PointNav({ n: f.n, e: f.e, alt: f.alt });
    if (!f.landed) this.host.say(this.host.voice.missionFinished());
  }

  private navFor(item: RawMissionItem): Nav {
    const ctx = this.host.ctx();
    const f = ctx.flight;
    const here = item.x === 0 && item.y === 0 ? { n: f.n, e: f.e } : this.host.toLocal(item.x, item.y);
    const alt = this.altAboveHome(item);
    switch (item.command) {
      case MavCmd.NAV_TAKEOFF:
        return new TakeoffNav(f.n, f.e, Math.max(alt, f.landed ? 0 : f.alt));
      case MavCmd.NAV_LOITER_TIME:
        return new PointNav({ ...here, alt }, Math.max(0, item.param1));
      case MavCmd.NAV_LOITER_UNLIM:
        return new PointNav({ ...here, alt });
      case MavCmd.NAV_DELAY:
        return new PointNav({ n: f.n, e: f.e, alt: f.alt }, Math.max(0, item.param1));
      case MavCmd.NAV_RETURN_TO_LAUNCH:
        return new RtlNav(ctx);
      case MavCmd.NAV_LAND:
        return new LandNav({ ...here, alt: 0 }, !(item.x === 0 && item.y === 0));
      default: // waypoints and the navigation items flown like one
        return new PointNav({ ...here, alt }, Math.max(0, item.command === MavCmd.NAV_WAYPOINT ? item.param1 : 0));
    }
  }

  /** Item altitude in metres above home, whatever frame it came in (terrain is flat here). */
  private altAboveHome(item: RawMissionItem): number {
    return item.frame === MavFrame.GLOBAL || item.frame === MavFrame.GLOBAL_INT ? item.z - this.host.homeAltMsl() : item.z;
  }
}
