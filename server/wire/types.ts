/**
 * What the browser receives: the one definition shared by the server (which builds these
 * objects) and the web app (which draws them). Plain JSON, no classes, no bigint.
 */

import type { ServerMessage } from './messages.ts';

export type Autopilot = 'ardupilot' | 'px4' | 'other';

/** A point on the WGS-84 ellipsoid in degrees: what drones, phones and the service speak. */
export interface LatLon {
  lat: number;
  lon: number;
}

/**
 * What the aircraft is doing, whatever its firmware calls it (as MAVSDK's FlightMode): each
 * autopilot profile (server/vehicles/autopilots/) maps its own modes onto these, so the rest of
 * SkyBeat and the pages compare these, never ArduPilot's or PX4's names.
 */
export const FLIGHT_MODES = [
  /** the pilot flies it by hand (ArduPilot MANUAL, ACRO; PX4 Manual, Acro) */
  'manual',
  /** the pilot flies it, the autopilot keeps it level (STABILIZE; PX4 Stabilized) */
  'stabilized',
  /** the pilot flies it, the autopilot keeps its height (ALT_HOLD; PX4 Altitude) */
  'altitude',
  /** the pilot flies it, the autopilot holds the position when the sticks are centred (POSHOLD; PX4 Position) */
  'position',
  /** stopped where it is (BRAKE, LOITER; PX4 Hold) */
  'hold',
  /** steered from the ground or a companion computer (ArduPilot GUIDED; PX4 Offboard) */
  'guided',
  'takeoff',
  /** flying the uploaded mission (ArduPilot AUTO; PX4 Mission) */
  'mission',
  /** flying home (RTL, SMART_RTL; PX4 Return) */
  'return',
  'land',
  'follow',
  /** circling a point (CIRCLE; PX4 Orbit) */
  'orbit',
  /** a mode with no meaning here (FLIP, AUTOTUNE, …): the firmware's own name says which */
  'other',
  /** not told (no custom mode) or a number the firmware's table lacks */
  'unknown',
] as const;
export type FlightMode = (typeof FLIGHT_MODES)[number];

/** ok: flying or standing normally; warning: something needs a look; lost: no heartbeat for 3.5 s. */
export type VehicleHealth = 'ok' | 'warning' | 'lost';

export interface Position {
  lat: number;
  lon: number;
  /** metres above mean sea level */
  altMsl: number;
  /** metres above home */
  altRel: number;
}

export interface StatusMessage {
  /** ms since epoch, when the service received it */
  time: number;
  /** MAV_SEVERITY: 0 emergency … 7 debug */
  severity: number;
  text: string;
}

export interface LinkHealth {
  /** the link this vehicle is heard on, e.g. "udpin://0.0.0.0:14550" */
  uri: string;
  lost: boolean;
  /** ms since epoch of the last packet from this vehicle */
  lastHeard: number;
  packets: number;
  /** packets missing by sequence number, as a percentage of expected, over the whole session */
  lossPercent: number;
  /** CRC failures seen on the link (peer) this vehicle is heard through */
  crcErrors: number;
  /**
   * Telemetry rates asked of this vehicle that it refused or never answered (SET_MESSAGE_INTERVAL;
   * hz null: asked to stop sending). Empty when all was taken, and for ArduPilot, which is asked
   * with REQUEST_DATA_STREAM (no answer to check).
   */
  refusedRates: RateRefusal[];
}

export interface RateRefusal {
  /** the message, e.g. "MISSION_CURRENT" */
  message: string;
  hz: number | null;
  /** the autopilot's answer (MAV_RESULT name, e.g. "FAILED"), or "NO_ANSWER" */
  result: string;
}

export interface VehicleView {
  /** stable id: link id + "-" + sysid, e.g. "l1-1" */
  id: string;
  /** the station it belongs to: the station of the node serving its link (set by the service; absent only in tests of a bare vehicle) */
  station?: string;
  sysid: number;
  callsign: string;
  autopilot: Autopilot;
  /** MAV_TYPE name, e.g. "QUADROTOR" */
  type: string;
  /** flight mode by the firmware's name, e.g. "STABILIZE", "AUTO", "RTL", PX4's "RETURN" ("UNKNOWN(n)" if not decodable) */
  mode: string;
  /** what that mode does, whatever the firmware: what the pages show, translated */
  flightMode: FlightMode;
  armed: boolean;
  /** MAV_STATE name, e.g. "STANDBY", "ACTIVE", "CRITICAL" */
  systemStatus: string;
  /** null until the autopilot reports a real fix (ArduPilot sends 0,0 before its GPS is up) */
  position: Position | null;
  /** degrees 0..360, null when unknown */
  heading: number | null;
  /** m/s */
  groundSpeed: number | null;
  /** m/s, up positive */
  climbRate: number | null;
  attitude: { roll: number; pitch: number; yaw: number } | null;
  battery: { percent: number | null; voltage: number | null; current: number | null } | null;
  gps: { fix: number; fixName: string; satellites: number | null; hdop: number | null } | null;
  home: { lat: number; lon: number; altMsl: number } | null;
  /** current mission item (MISSION_CURRENT.seq), null before it is reported */
  missionSeq: number | null;
  /** the latest autopilot STATUSTEXT messages, oldest first */
  messages: StatusMessage[];
  link: LinkHealth;
  health: VehicleHealth;
  /** reasons behind a warning health, as codes the browser translates */
  warnings: VehicleWarning[];
}

/** battery: value = percent; gps: value = fix name; status: value = MAV_STATE name; no_position */
export interface VehicleWarning {
  code: 'battery' | 'gps' | 'status' | 'no_position';
  value: string | number | null;
}

export interface LinkView {
  id: string;
  uri: string;
  state: 'opening' | 'up' | 'down';
  /** last error or state detail, e.g. "ECONNREFUSED 127.0.0.1:5760" */
  detail: string | null;
  peers: number;
  frames: number;
  crcErrors: number;
  droppedBytes: number;
  /** MAVLink 2 signing: true when the link has a key (?key=, never shown) */
  signing: boolean;
  /** packets dropped on a signed link: not signed, signed with another key, or a timestamp seen before (replayed) */
  unsigned: number;
  badSignature: number;
  replayed: number;
}

/**
 * The store as the service sees it. On PostgreSQL, audit entries and track points go through a
 * journal on local disk (store/write-journal.ts): `away` while the database refuses them (they wait
 * in the journal, flight is not affected), `filling` past 80 % of its bound.
 */
export interface StoreHealth {
  database: 'sqlite' | 'postgres';
  state: 'ok' | 'away';
  /** away since (ms since the epoch) */
  since: number | null;
  pending: number;
  journalBytes: number;
  journalMaxBytes: number;
  filling: boolean;
  /** seconds of track points dropped because the journal was full */
  droppedTrackSeconds: number;
}

export interface HealthView {
  /** degraded: the store is away or its journal filling; flight goes on */
  status: 'ok' | 'degraded';
  store: StoreHealth;
  uptimeSeconds: number;
  links: { total: number; up: number };
  vehicles: { total: number; lost: number };
  /** in a city: this node, its bus (Redis), and the other nodes it hears */
  city?: CityHealth;
}

export interface CityHealth {
  node: string;
  bus: 'up' | 'away';
  /** the other nodes heard, with the drones each serves and how long since it was heard */
  nodes: { node: string; drones: number; silentMs: number }[];
  /** messages on the bus dropped for want of a good signature, by reason */
  rejected: Record<string, number>;
}

/** Socket.io events the server emits to map clients. */
export interface ServerToClientEvents {
  /** full list, sent on connect and every few seconds to heal anything a slow client dropped */
  'vehicles:snapshot': (vehicles: VehicleView[]) => void;
  /** vehicles that changed since the last batch (at most a few batches per second) */
  'vehicles:update': (vehicles: VehicleView[]) => void;
  /** aircraft alerts: all open ones on connect, then each change */
  'alerts:aircraft': (alerts: AircraftAlertView[]) => void;
  /** ground alerts (command room: all open; officer: the ones sent to them), on connect and on each change */
  'alerts:ground': (alerts: GroundAlertView[]) => void;
  /** to an officer: a new job; the phone rings. Acknowledged so the server knows it arrived. */
  'ground:offer': (alert: GroundAlertView, delivered: (received: true) => void) => void;
  /** on-duty officers and where they are (command room only) */
  'officers': (officers: OfficerView[]) => void;
  /** to an officer's phone: their own duty state as the server knows it (on connect and on change) */
  'officer:status': (me: OfficerView) => void;
  /** patrol runs: the active ones on connect, then each change */
  'runs': (runs: RunView[]) => void;
  /** who is in command of which drone (vehicle id → pilot) */
  'control': (holders: Record<string, string>) => void;
  /**
   * The service is stopping: say so, the connection will drop. The reason is the operator's own
   * words (e.g. "maintenance"), or a signal name when the operating system stopped it (isSignal).
   */
  'server:shutdown': (reason: string, said?: ServerMessage) => void;
  /** this connection's session ended (logout, password or role change, disabled, expired): the reason (and as a code), then the connection closes */
  'session:ended': (reason: string, said?: ServerMessage) => void;
  /** scheduled patrols due soon (the whole list, whenever it changes) */
  'patrols:due': (due: DuePatrol[]) => void;
  /** drones sent to a point: changed ones (all active on connecting) */
  gotos: (gotos: GotoView[]) => void;
  /** the command room's open requests for a drone, all of them */
  'drone-requests': (requests: DroneRequestView[]) => void;
  /** to the officer holding a job: the drone sent over it (each change; those in progress on connecting) */
  'job:drone': (drone: JobDroneView) => void;
}

export interface ClientToServerEvents {
  /** officer's phone: on or off duty */
  'officer:duty': (onDuty: boolean, done?: (err: string | null) => void) => void;
  /** officer's phone: where I am (browser geolocation) */
  'officer:location': (fix: { lat: number; lon: number; accuracyM?: number }, done?: (err: string | null) => void) => void;
}

/** Map settings the web app reads at start (GET /api/config). */
export interface ClientConfig {
  /** Leaflet tile URL template, or null for a plain background (isolated networks); tiles says more */
  tileUrl: string | null;
  tileAttribution: string;
  /** where to centre the map before any drone is seen */
  center: { lat: number; lon: number };
  /** the tile source in full (absent from older services: then tileUrl, WGS-84) */
  tiles?: TileSourceView;
}

/** Where map tiles come from, and the datum they are drawn in. */
export interface TileSourceView {
  /** none: the plain background */
  kind: 'xyz' | 'none';
  /** Leaflet URL template ({s} {z} {x} {y}); a local folder or MBTiles file is served by us under /tiles/ */
  url: string | null;
  attribution: string;
  /** gcj02: Chinese web maps (AMap, Tencent) are shifted; every WGS-84 position is converted for display */
  crs: 'wgs84' | 'gcj02';
  /** what {s} stands for, one character each (e.g. "1234") */
  subdomains: string;
  minZoom: number;
  maxZoom: number;
  /** place names drawn over the base layer (Tianditu serves them apart), or null */
  labelsUrl: string | null;
}

/** A named polygon of the station's airspace (vertices in order, closing edge implied). */
export interface ZoneView {
  name: string;
  polygon: { lat: number; lon: number }[];
}

/** The station's airspace rules as the map draws them (GET /api/station). */
export interface StationView {
  /** the station's name as configured (station.name), "" when it has none */
  name: string;
  /** drones stay inside it when given */
  geofence: ZoneView | null;
  noFly: ZoneView[];
  /** metres above home */
  ceilingM: number;
}

/** Aviation convention: warning = red (act now), caution = amber (act soon), info. */
export type AlertSeverity = 'warning' | 'caution' | 'info';

/** An alert raised from a drone's own telemetry (battery, link, GPS, failsafe, …). */
export interface AircraftAlertView {
  id: number;
  vehicleId: string;
  /** which rule raised it: battery_low, battery_critical, link_lost, gps_degraded, gps_lost, mode_change, failsafe, altitude_ceiling, off_route, geofence, autopilot_message */
  rule: string;
  severity: AlertSeverity;
  /** in English (API, audit, logs) */
  message: string;
  /** the same as code and parameters, which the pages say in their language (null for alerts raised before SkyBeat kept it) */
  said: ServerMessage | null;
  raisedAt: number;
  /** when its condition went away (null while it holds) */
  clearedAt: number | null;
  acknowledgedBy: string | null;
}

export const GROUND_CATEGORIES = ['fight', 'gambling', 'theft', 'traffic', 'missing_person', 'fire', 'other'] as const;
export type GroundCategory = (typeof GROUND_CATEGORIES)[number];

/** An officer's answers, in the order a job goes. */
export const OFFICER_ANSWERS = ['accept', 'en_route', 'on_scene', 'resolved', 'decline'] as const;
export type OfficerAnswer = (typeof OFFICER_ANSWERS)[number];

/** Why an officer declined a job: busy with something else, too far away, or another reason. */
export const DECLINE_REASONS = ['busy', 'too_far', 'other'] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

/** How an incident ended (处置结果): handled 已处置, warned 警告教育, handed_over 移交, unfounded 无效警情, other 其他. */
export const INCIDENT_OUTCOMES = ['handled', 'warned', 'handed_over', 'unfounded', 'other'] as const;
export type IncidentOutcome = (typeof INCIDENT_OUTCOMES)[number];

/** The outcome recorded last (the officer resolving, or the dispatcher closing), with its note. */
export interface OutcomeView {
  code: IncidentOutcome;
  note: string;
  by: string;
  at: number;
}

/** open: nobody reached yet; dispatched: officers alerted, none accepted; then as the assignee reports. */
export type GroundAlertState = 'open' | 'dispatched' | 'accepted' | 'en_route' | 'on_scene' | 'resolved' | 'closed';

export interface DispatchView {
  officer: string;
  notifiedAt: number;
  /** when the officer's phone confirmed it received the alert (null: not yet, e.g. offline) */
  deliveredAt: number | null;
  /** metres from the incident when alerted */
  distanceM: number | null;
  answer: OfficerAnswer | null;
  /** when the officer made the answer (a phone that was offline sends its own time for it) */
  answeredAt: number | null;
  /** with a decline: why */
  declineReason: DeclineReason | null;
  /** the command room gave the job to `to` after this officer was alerted: it is no longer theirs to answer */
  withdrawn: { at: number; to: string } | null;
}

/** What an incident is, wherever it is shown: the live desk (GroundAlertView) and the history's log (IncidentLogEntry). */
export interface IncidentFacts {
  id: number;
  /** the incident's own number, per station and day (e.g. HF-20261202-003): how people name it */
  number: string;
  category: GroundCategory;
  /** 1 (highest) … 3 */
  priority: number;
  lat: number;
  lon: number;
  note: string;
  vehicleId: string | null;
  createdBy: string;
  state: GroundAlertState;
  /** null until someone records how it ended; a resolve from an old phone page may leave it to the dispatcher's close */
  outcome: OutcomeView | null;
}

export interface GroundAlertView extends IncidentFacts {
  createdAt: number;
  /** the officer who accepted, with where they are now */
  assignee: { officer: string; lat: number | null; lon: number | null; distanceM: number | null; etaS: number | null } | null;
  dispatch: DispatchView[];
  closedAt: number | null;
  /** when it entered its present state */
  stateSince: number;
  /**
   * While nobody has accepted it: from this moment it is overdue (escalateAfterS after it was
   * raised or the dispatcher last sent it on); null once accepted or finished.
   */
  overdueAt: number | null;
  /**
   * the station whose area holds it (its command room sees it; the city's sees all); null: no
   * station's, the city's only. Set where the view is sent (http layer), from its place.
   */
  station?: string | null;
}

/** An officer the command room may give an incident to (GET /api/alerts/:id/candidates), nearest first. */
export interface DispatchCandidate {
  name: string;
  displayName: string;
  onDuty: boolean;
  /** a phone of theirs is connected now */
  phoneOnline: boolean;
  /** dispatch can reach them: a connected phone, or one gone within phoneOfflineGraceS */
  reachable: boolean;
  /** metres from the incident, and the time to get there (null: no position known) */
  distanceM: number | null;
  etaS: number | null;
  /** the incident they hold now, if any */
  busyWith: number | null;
  /** already alerted for this incident: their answer so far (null: none yet) */
  alerted: boolean;
  answer: OfficerAnswer | null;
  /** the station they work for (null: the city's): the centre gives a job to any station's officer, and sees whose */
  station?: string | null;
}

/** An incident in the history's log: what, where, who took it, how it ended and when each step happened. */
export interface IncidentLogEntry extends IncidentFacts {
  /** the officer who last took the job (accepted it), or null */
  officer: string | null;
  /** the first time of each step (null: it did not happen); `offered` is the first officer alerted */
  timeline: Record<IncidentStep, number | null>;
  /**
   * Officers' answers the service kept but did not apply, oldest first: made on a phone without a
   * network and arriving after the job was reassigned or taken, or out of order. at: when tapped;
   * code and params: why (answer_reassigned, answer_taken, answer_out_of_order), reason: the same in the service's words.
   */
  notApplied: NotAppliedAnswer[];
}

/**
 * An incident of the history's heat map (GET /api/alerts/heat): where it was, and no more. The map
 * draws the incident log's selection (the same filters and limit); its legend counts the points.
 */
export interface HeatPoint {
  lat: number;
  lon: number;
}

export interface NotAppliedAnswer {
  officer: string;
  answer: OfficerAnswer;
  at: number;
  code: string | null;
  params: Record<string, string>;
  reason: string;
}

export const INCIDENT_STEPS = ['raised', 'offered', 'delivered', 'accepted', 'en_route', 'on_scene', 'resolved', 'closed'] as const;
export type IncidentStep = (typeof INCIDENT_STEPS)[number];

export interface OfficerView {
  name: string;
  displayName: string;
  onDuty: boolean;
  lat: number | null;
  lon: number | null;
  accuracyM: number | null;
  updatedAt: number | null;
  /** the alert this officer has accepted and not finished */
  busyWith: number | null;
  /** a phone of theirs is connected now (offline too long, they are skipped by dispatch) */
  phoneOnline: boolean;
  /** the station they work for; null: the city's (or unknown); the desk dispatches every station's, nearest first */
  station?: string | null;
}

export type RunState = 'uploading' | 'arming' | 'starting' | 'climbing' | 'flying' | 'paused' | 'returning' | 'landed' | 'failed' | 'aborted';
export const RUN_ENDED: RunState[] = ['landed', 'failed', 'aborted'];

export interface PreflightItem {
  /** link, gps, position, battery, battery_route, route, geofence, ceiling, idle, control */
  id: string;
  pass: boolean;
  /** what was measured, in English, e.g. "3D fix, 11 satellites" */
  value: string;
  /** the same as code and parameters, which the pages say in their language (absent from runs recorded before) */
  said?: ServerMessage;
  /** a pilot may launch anyway, and the override is audited */
  overridable: boolean;
  /** set when the pilot overrode this failed check */
  overridden?: boolean;
}

/** Who brought a patrol back before its end: the pilot from here, a failsafe, or nobody here knows (the pilot's radio). */
export type ReturnedBy = 'pilot' | 'failsafe' | 'unknown';

/**
 * How a patrol run ended. Items count the route's items (1 to `of`), whatever the autopilot's
 * numbering: `afterItem` is the last one it reached or passed in this run's own mission.
 */
export type RunOutcome =
  | { kind: 'completed' }
  | { kind: 'returned_early'; afterItem: number; of: number; by: ReturnedBy }
  | { kind: 'aborted'; reason: string; said?: ServerMessage }
  | { kind: 'failed'; reason: string; said?: ServerMessage };

export interface RunEvent {
  time: number;
  kind: string;
  /** in English (API, export, logs) */
  message: string;
  /** the same as code and parameters, which the pages say in their language (absent from events recorded before) */
  said?: ServerMessage;
}

export interface RunView {
  id: number;
  vehicleId: string;
  routeId: string;
  routeName: { zh: string; en: string };
  /** the station the route flies from, as the route names it ("" when it names none) */
  station: string;
  pilot: string;
  state: RunState;
  startedAt: number;
  endedAt: number | null;
  /** upload progress while uploading */
  upload: { type: string; done: number; total: number } | null;
  /**
   * Where it is in its own mission, from its start: `item` of `of` counts the route's items from 1
   * whatever the firmware; `seq` of `total` as the autopilot numbers them (item 0 is home on ArduPilot).
   */
  leg: { seq: number; total: number; item: number; of: number } | null;
  distanceFlownM: number;
  distanceLeftM: number | null;
  etaS: number | null;
  timeAloftS: number;
  battery: { percent: number | null; trendPerMin: number | null };
  maxAltM: number;
  minBattery: number | null;
  /** how it ended, in words (English): "completed", "returned early after item 2 of 4 (a failsafe)", "failed: …", "aborted …" */
  result: string | null;
  /** how it ended, as data the pages translate; null while it flies, and for runs recorded before SkyBeat kept it */
  outcome: RunOutcome | null;
  preflight: PreflightItem[];
  events: RunEvent[];
}

/** A scheduled patrol due soon (or overdue and not flown). */
export interface DuePatrol {
  routeId: string;
  name: { zh: string; en: string };
  /** ms since epoch */
  dueAt: number;
  /** as the route names it ("Drone 3" or a vehicle id) */
  defaultDrone: string | null;
  /** that drone, when it is connected */
  vehicleId: string | null;
  /** set once launched */
  runId: number | null;
  /** why an automatic launch has not happened yet (it is retried until the patrol is overdue), in English */
  autoLaunchProblem: string | null;
  /** the same as code and parameters where the service has them (the checks that failed), for the pages' language */
  autoLaunchSaid?: ServerMessage | null;
}

/** SkyBeat's own metadata of a patrol route; in a .plan it sits under the "skybeat" key, which QGroundControl ignores. */
export interface RouteMeta {
  nameZh: string;
  nameEn: string;
  station: string;
  defaultDrone: string;
  /** free text as the station writes it, e.g. "每晚 21:00 / nightly 21:00" */
  schedule: string;
  notes: string;
}

/** A route in the catalog (GET /api/routes): plain JSON (NaN becomes null on the way). */
export interface RouteSummary {
  id: string;
  file: string;
  format: string;
  meta: RouteMeta | null;
  status: 'ok' | 'warnings' | 'invalid';
  itemCount: number;
  distanceM: number | null;
  durationS: number | null;
  errors: number;
  warnings: number;
}

/** One recorded position of a drone: a run's flown route (GET /api/runs/:id/track) and its replay. */
export interface TrackPoint {
  vehicleId: string;
  time: number;
  lat: number;
  lon: number;
  altMsl: number | null;
  altRel: number | null;
  heading: number | null;
  speed: number | null;
  battery: number | null;
  mode: string | null;
  armed: boolean;
}

/** A shutdown reason that is a signal name (SIGTERM from systemd or docker stop, SIGINT from Ctrl-C): the pages say it in words. */
export const isSignal = (reason: string): boolean => /^SIG[A-Z0-9]+$/.test(reason);

// ---- drone to the scene (server/patrols/goto.ts, POST /api/vehicles/:id/goto) ----------------

/**
 * Where a drone sent to a point stands: arming and climbing (it was on the ground), on its way,
 * over the point, on its way home, back on its patrol, or over (ended: the pilot or the aircraft
 * took it elsewhere; failed: a step was refused or not seen in its telemetry).
 */
export type GotoState = 'arming' | 'climbing' | 'transit' | 'on_scene' | 'returning' | 'resumed' | 'ended' | 'failed';

export interface GotoEvent {
  at: number;
  kind: string;
  /** in English */
  message: string;
  said: ServerMessage;
}

/** A drone sent to a point (an incident's, or a click on the map). */
export interface GotoView {
  id: number;
  vehicleId: string;
  pilot: string;
  /** the ground alert (incident) it serves, if any */
  alertId: number | null;
  target: LatLon;
  /** transit and hold height, metres above home */
  altM: number;
  holdMin: number;
  state: GotoState;
  /** the checks it passed before it moved (the same shape as a launch's preflight) */
  checks: PreflightItem[];
  startedAt: number;
  /** first time overhead */
  arrivedAt: number | null;
  endedAt: number | null;
  /** from fresh telemetry; null when its telemetry is stale (lost link): never guessed */
  distanceM: number | null;
  /** within overheadM of the point, on telemetry fresher than 3 s */
  overhead: boolean;
  /** its telemetry is older than 3 s, or the link is lost */
  stale: boolean;
  /** seconds spent overhead so far */
  heldS: number;
  batteryPercent: number | null;
  /** seconds until it must turn home to land with the station's reserve; null when unknown */
  turnHomeInS: number | null;
  /** less than 2 minutes left before it must turn home */
  amber: boolean;
  /** the pilot chose to keep it over the point past the battery limit (audited) */
  keepHolding: boolean;
  /** how it holds over the point: circling (where the autopilot does it safely) or position hold */
  hold: 'orbit' | 'position';
  /** the patrol it left, and where */
  leftPatrol: { runId: number; item: number | null; lat: number; lon: number; at: number } | null;
  events: GotoEvent[];
}

/**
 * What an officer's phone is told of a drone sent over the incident it holds: only where it stands,
 * not who flies it nor its checks (an officer sees what the job needs).
 */
export interface JobDroneView {
  alertId: number;
  gotoId: number;
  state: GotoState;
  /** as GotoView.overhead: fresh telemetry, within 30 m */
  overhead: boolean;
  distanceM: number | null;
  heldS: number;
}

/** The command room asks for a drone over an incident; a pilot accepts it with one confirmed goto. */
export interface DroneRequestView {
  id: number;
  alertId: number;
  /** where the incident is */
  target: LatLon;
  requestedBy: string;
  at: number;
  note: string;
  state: 'open' | 'accepted' | 'cancelled';
  acceptedBy: string | null;
  vehicleId: string | null;
  gotoId: number | null;
  /** drones that could go, nearest first: distance, battery, who holds each */
  candidates: { vehicleId: string; distanceM: number; batteryPercent: number | null; pilot: string | null; airborne: boolean }[];
}

// ── Live video (issue 16): each drone's camera, relayed as fragmented MP4 over a WebSocket ──

export type VideoFeedState = 'connecting' | 'live' | 'stale' | 'stopped';

/** A drone's camera as the pages see it: GET /api/video, and the player's 'feed' message at each change. */
export interface VideoFeedView {
  vehicleId: string;
  state: VideoFeedState;
  /** service clock (ms since the epoch) of the last picture: "no video since 21:04:07"; null before the first */
  lastPictureAt: number | null;
  /** why it is not live, in the source's words; null when it is */
  reason: string | null;
  /** the reason as a message the page says in its language, when the words are ours (a camera's own stay as they came) */
  said?: ServerMessage;
  codec: 'h264' | 'h265' | null;
  /** the stream's RFC 6381 codecs string once its parameter sets are known: what MediaSource.isTypeSupported is asked */
  codecs: string | null;
  width: number | null;
  height: number | null;
}

/**
 * Text messages on a drone's video socket (GET /api/video/:vehicleId/live, upgraded). Binary
 * messages are fragmented MP4: the init segment (ftyp + moov) right after each 'init', then one
 * fragment (moof + mdat) per picture, the first of them a key picture.
 */
export type VideoMessage =
  | { type: 'feed'; feed: VideoFeedView }
  /** a new stream or timeline (first picture, camera restarted, resolution changed): start a new decoder */
  | { type: 'init'; codec: 'h264' | 'h265'; codecs: string; mime: string; width: number; height: number };

/** Why the service closed a video socket (WebSocket close codes, the private 4000 range). */
export const VIDEO_CLOSE = {
  /** the session ended (logout, expiry, disabled…): the reason says which; log in again */
  sessionEnded: 4401,
  /** this user may not watch this drone (any longer): an officer whose incident it no longer serves */
  forbidden: 4403,
  /** in a city: the node serving this drone went away (killed, cut off); the page tries again, and a node that took its link over answers */
  nodeGone: 4502,
} as const;

/** A still taken from a drone's video, kept as evidence (POST /api/snapshots). */
export interface SnapshotView {
  id: number;
  vehicleId: string;
  /** when the picture was on screen (the browser's clock, ms) */
  takenAt: number;
  takenBy: string;
  /** where the drone was, from its telemetry at that moment; null when it had no position */
  lat: number | null;
  lon: number | null;
  altM: number | null;
  headingDeg: number | null;
  /** the incident it is evidence for, if attached */
  alertId: number | null;
  width: number;
  height: number;
  /** GET this for the JPEG */
  imageUrl: string;
}

// ── Recorded video (issue 16, record and replay): each run's camera, kept in files of about a minute ──

/** One recorded file of a drone's camera (GET /api/runs/:id/video); GET /api/recordings/:id.mp4 for its bytes. */
export interface RecordingSegmentView {
  id: number;
  /** ms since the epoch: its first picture, and the end of its last; between two files no picture came */
  startedAt: number;
  endedAt: number;
  /** still being written: the run is under way */
  writing: boolean;
  codec: 'h264' | 'h265';
  /** what MediaSource.addSourceBuffer is given */
  mime: string;
  width: number;
  height: number;
  bytes: number;
}

/**
 * A past drone to the scene as the history lists it (GET /api/gotos/history): which drone, for
 * which incident (its number; null: a point on the map), when, and how it ended. Its track is
 * GET /api/gotos/:id/track and its recorded video GET /api/gotos/:id/video, as a run's.
 */
export interface GotoHistoryView {
  id: number;
  vehicleId: string;
  pilot: string;
  alertId: number | null;
  /** the incident's number (the one the police quote); null when it was sent to a point on the map */
  incidentNumber: string | null;
  target: LatLon;
  state: GotoState;
  startedAt: number;
  arrivedAt: number | null;
  endedAt: number | null;
}

/** A run's recorded video: its drone's files over the run's time, oldest first. */
export interface RunVideoView {
  vehicleId: string;
  segments: RecordingSegmentView[];
}

/** A drone's camera source as an admin sees it (GET /api/video-sources). */
export interface VideoSourceView {
  drone: string;
  /** what plays (passwords hidden), and where it came from: the configuration (file or this page), the drone's own announcement, or nowhere */
  uri: string | null;
  from: 'configured' | 'announced' | null;
  /** what the drone announced over MAVLink, even when the configuration wins */
  announced: string | null;
  /** the announcement is not followed until an admin approves it (an RTSP camera announced over an unsigned link from elsewhere) */
  awaitingApproval: boolean;
  health: { state: VideoFeedState; lastUnitMs?: number; units: number; badPackets: number; lostPackets: number; restarts: number; reason?: string } | null;
  /** why there is no source, or why it could not be opened */
  problem?: string;
}

export interface VideoSourcesView {
  sources: VideoSourceView[];
  /** drone (vehicle id or sysid) → URI, from the file and this page together, passwords hidden */
  configured: Record<string, string>;
  /** the settings made in the page (they win over the file's) */
  setInPage: Array<{ drone: string; uri: string; setBy: string; setAt: number }>;
}

/** What an account may do (README "Users, roles and the audit trail"); an account holds one or more. */
export const ROLES = ['pilot', 'command', 'officer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** An account as GET, POST and PATCH /api/users answer it (admins only): never its password or its hash. */
export interface AccountView {
  id: number;
  name: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  createdAt: number;
  /** what they see and act on: CITY_SCOPE (every station, the city centre) or one station's id */
  scope: string;
}

/**
 * Stations and scopes (情指行一体化): each node serves one station (its config's station.id) and its
 * drones belong to it; a user works for one station, or for the whole city (the centre, 情指中心).
 */
export const CITY_SCOPE = 'city';
/** A station's id: short, lower-case, in URLs and rooms ("hf", "wl-east"); never "city". */
export const STATION_ID = /^[a-z][a-z0-9-]{0,31}$/;
/** The station a single server is, when its configuration names none. */
export const DEFAULT_STATION_ID = 'main';

/** A station as the city centre's map lists it, with what it has under way now. */
export interface StationSummary {
  id: string;
  name: string;
  lat: number;
  lon: number;
  radiusKm: number;
  /** the node serving it, in a city; null alone */
  node: string | null;
  /**
   * its node has not been heard for 7 s (a city; every node serving it, when two do): its drones are
   * shown lost and its patrols not counted, while its area stays its own
   */
  silent: boolean;
  /** its drones heard now, and of them those flying (armed) */
  drones: number;
  dronesUp: number;
  /** patrol runs in the air */
  patrolsRunning: number;
  /** incidents open on the desk whose place is in the station's area */
  openIncidents: number;
  /** its officers (scope = the station) on duty */
  officersOnDuty: number;
}
