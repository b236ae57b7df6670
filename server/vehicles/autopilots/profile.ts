import { id, said, type ServerMessage } from '../../wire/messages.ts';
import type { FlightMode, LatLon } from '../../wire/types.ts';
import type { ActionOutcome } from '../actions.ts';
import type { Command } from '../commands.ts';
import type { Vehicle } from '../vehicle.ts';

/** The modes a patrol needs, by what they do, in this autopilot's names. */
export interface ModeRoles {
  /** commanded by the ground station (ArduPilot GUIDED); PX4 has none we use */
  guided: string | null;
  mission: string;
  /** stop and hold position */
  hold: string;
  rtl: string;
  land: string;
}

/** The steps of a launch, done by the patrol; the profile says which, in which order. */
export interface StartSteps {
  setMode(name: string): Promise<ActionOutcome>;
  /** arm, asking again while the autopilot is not ready; false if the launch ended meanwhile (that step said why) */
  arm(): Promise<boolean>;
  /** MAV_CMD_MISSION_START */
  missionStart(): Promise<ActionOutcome>;
  /** armed, the start command goes next */
  starting(): void;
  /** the launch was ended meanwhile (aborted by the pilot) */
  ended(): boolean;
}

/** Started; or not, with the reason as a message (none when the step that stopped it has told it already). */
export type StartResult = { started: true } | { started: false; said?: ServerMessage };

/** What a mission item makes the aircraft do, as far as its flight mode is concerned. */
export type MissionItemKind = 'takeoff' | 'waypoint' | 'return' | 'land' | 'other';

/** A mode change the firmware makes by itself when its mission reaches an item of a kind. */
export interface OwnModeChange {
  from: FlightMode;
  to: FlightMode;
  /** the kind of the mission item that is current or was just reached */
  at: MissionItemKind;
  /** said in the run's record */
  why: string;
}

/** What to ask a vehicle to send, and what to ask it to stop sending. */
export interface TelemetryPlan {
  /** REQUEST_DATA_STREAM (all streams) at this rate: ArduPilot's way */
  dataStreamsHz: number | null;
  /** SET_MESSAGE_INTERVAL per message: [message id, Hz] */
  intervals: [msgid: number, hz: number][];
  /** messages it streams by default that nothing here reads: SET_MESSAGE_INTERVAL -1 turns them off */
  off: number[];
}

/**
 * How this autopilot is sent to a point and kept there (drone to the scene, patrols/goto.ts): only
 * what it really does, as checked live (ArduCopter) or in its sources and docs (PX4).
 */
export interface GotoPlan {
  /** the mode (a ModeRoles role) to be in, confirmed, before the goto command; null: the command switches by itself */
  modeFirst: 'guided' | null;
  /** on the ground: the mode to arm in before the take-off command (ArduPilot GUIDED, PX4 Hold) */
  armIn: 'guided' | 'hold';
  /**
   * What every height given to the commands below is measured from: home (ArduPilot takes
   * COMMAND_INT's frame as given) or sea level (PX4 copies param7 as AMSL whatever the frame says:
   * its mavlink receiver does not convert it, and its navigator and Orbit task read it as AMSL).
   */
  heights: 'home' | 'amsl';
  /** climb straight up from where it stands to `alt`, once armed */
  takeoff(alt: number): Command;
  /** fly to the point at `alt`, and stay there */
  reposition(to: LatLon, alt: number): Command;
  /** the flight modes it shows while flying there and holding: leaving them ends the goto's control */
  modes: FlightMode[];
  /** circling the point at `alt` where the autopilot does it safely; null: it holds position over it */
  orbit: ((centre: LatLon, alt: number, radiusM: number) => Command) | null;
  /** point the nose (and a gimbal) at a place on the ground (`groundAlt`: home's height) */
  roi(at: LatLon, groundAlt: number): Command;
  /** said in the goto's record: why it holds as it does */
  holdWhy: string;
  /** the mode names the reposition and the orbit command switch to by themselves, so the change is known as ours */
  switchesTo: { reposition: string | null; orbit: string | null };
}

/**
 * Everything that differs between autopilots, in one place: mode names and what they mean, how
 * to ask for a mode, how a mission is started and numbered, how a read-back may differ, when
 * the position is good enough to launch, which mode changes the firmware makes by itself, and
 * which telemetry to ask for. The rest of SkyBeat asks the profile and compares FlightModes.
 */
export interface AutopilotProfile {
  /** the firmware's name of a custom mode, e.g. "AUTO", "RETURN" */
  modeName(type: number, customMode: number): string;
  /** what that mode does, firmware-neutral */
  flightMode(type: number, name: string): FlightMode;
  roles(type: number): ModeRoles;
  /** DO_SET_MODE for a mode name, or undefined if this autopilot has no such mode */
  setMode(type: number, name: string): Command | undefined;
  /** its start sequence for an uploaded, verified mission */
  startMission(type: number, steps: StartSteps): Promise<StartResult>;
  /** it keeps its home as mission item 0 (what is written there is ignored): route item i is seq i + 1 */
  homeItem: boolean;
  /** how a mission read back may differ from what was sent and still be the same */
  readBack: {
    /** altitude stored coarser than sent, metres, per mission type */
    altToleranceM: Record<'mission' | 'fence' | 'rally', number>;
    /** it returns autocontinue as sent (ArduPilot always returns 1) */
    autocontinueKept: boolean;
  };
  /** the preflight check `position`: does the autopilot know where it is well enough to fly a mission? */
  position(v: Vehicle): { ok: boolean; said: ServerMessage };
  ownModeChanges: OwnModeChange[];
  telemetry: TelemetryPlan;
  goto: GotoPlan;
}

/** An action that did not do what it was asked. */
export const failed = (o: ActionOutcome) => o.result !== 'accepted';

/** As QGroundControl starts PX4: Mission mode, then arm; it takes off by itself. */
export async function missionModeThenArm(this: AutopilotProfile, type: number, s: StartSteps): Promise<StartResult> {
  const mission = this.roles(type).mission;
  const mode = await s.setMode(mission);
  if (failed(mode)) return { started: false, said: said('start_mode_failed', { mode: id(mission), reason: mode.said }) };
  if (!(await s.arm())) return { started: false };
  return { started: true };
}

/** The position check of an autopilot that says nothing about its estimate: reporting a position is the sign. */
export function positionReported(v: Vehicle): { ok: boolean; said: ServerMessage } {
  return v.position === null ? { ok: false, said: said('check_position_none') } : { ok: true, said: said('check_position_good') };
}
