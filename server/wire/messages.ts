/**
 * What the service says to people, as a code and its parameters: the browser says it in the
 * page's language (its Chinese is in web/src/strings/server-messages-zh-CN.ts), while the API's
 * text, the audit and the logs keep the English below (english()). A message stored with a
 * record (an alert, a preflight check, a run's event) is said again in whatever language the
 * page speaks when it is read.
 *
 * Parameters are shown as they are when they are names, ids or numbers (strings and numbers);
 * anything in words of ours is a Term (a key of the page's string table, with its English) or a
 * message itself; someone else's words (the autopilot's STATUSTEXT) are Verbatim, labelled as theirs.
 */

import { REFUSAL_MESSAGES_EN } from './refusal-messages.ts';

/**
 * A word or phrase the page's string table has (e.g. "flightMode_return", or a route problem's
 * "routeIssue_<code>" with its params), with its English for the service's text.
 */
export interface Term {
  term: string;
  en: string;
  params?: Record<string, string | number>;
}

/** Words that are not the service's own (the autopilot's; a file parser's): shown as they came, marked as theirs. */
export interface Verbatim {
  verbatim: string;
  /** whose words: the autopilot's when not said; the operator's (a reason given for stopping the service) */
  by?: 'autopilot' | 'parser' | 'operator';
}

/** A moment (ms since epoch): the pages show it in their own time of day, the English in UTC. */
export interface Moment {
  at: number;
}

/** An identifier shown as it is written (a MAVLink command or frame name, a place in a file such as "mission.items[3]"). */
export interface Identifier {
  id: string;
}

export type MessageParam = string | number | Term | Verbatim | Moment | Identifier | ServerMessage | MessageParam[];

export interface ServerMessage {
  code: MessageCode;
  params?: Record<string, MessageParam>;
}

/** Every message's English, with {name} where each parameter goes. */
export const MESSAGES_EN = {
  // aircraft alerts (alerts/aircraft-rules.ts, patrols' off-route)
  alert_battery_critical: 'battery critical: {percent}% (land now)',
  alert_battery_low: 'battery low: {percent}%',
  alert_link_lost: 'link lost: last heartbeat at {time}',
  alert_gps_lost: 'GPS lost: {fix}',
  alert_gps_satellites: 'GPS degraded: {satellites} satellites',
  alert_gps_hdop: 'GPS degraded: HDOP {hdop}',
  alert_failsafe: 'failsafe: autopilot reports {status} in {mode}',
  alert_ceiling: 'above the {ceiling} m ceiling: {alt} m',
  alert_mode_change: 'mode changed on its own: {from} → {to}',
  alert_autopilot: 'autopilot: {text}',
  alert_off_route: '{metres} m off the route',

  // preflight checks (patrols/preflight.ts and the autopilot's position check)
  check_control_yours: '{pilot} in command',
  check_control_held: 'held by {holder}',
  check_control_nobody: 'nobody in command: take control first',
  check_idle_flying: 'already flying run {run}',
  check_idle_armed: 'armed',
  check_idle_ready: 'on the ground, disarmed',
  check_link_lost: 'lost',
  check_link_loss: '{loss}% packet loss',
  check_gps_none: 'no GPS report',
  check_gps_fix: '{fix}',
  check_gps_satellites: '{fix}, {satellites} satellites (need {need})',
  check_position_none: 'no position',
  check_position_good: 'position estimate good',
  check_position_waiting: 'autopilot has no position estimate yet',
  check_battery_none: 'no battery report',
  check_battery_level: '{percent}% (need {need}%)',
  check_battery_route: 'route {km} km, ~{minutes} min: needs {need}% with {reserve}% reserve, has {has}%',
  check_route_errors: '{errors}',
  check_route_valid: 'valid',
  check_route_warnings: 'valid; warnings: {warnings}',
  check_ceiling: 'highest point {top} m (ceiling {ceiling} m)',
  check_geofence_leaves: 'leaves the station geofence near {lat}, {lon}',
  check_geofence_no_fly: 'crosses the no-fly zone "{zone}"',
  check_geofence_clear: 'inside the geofence, clear of no-fly zones',
  check_geofence_none: 'no geofence configured',

  // a patrol run's events and how it failed (patrols/patrols.ts, run.ts)
  run_link_lost: 'link lost',
  run_link_regained: 'link regained',
  run_restarted: 'service restarted at {time}; watching {vehicle} again',
  run_preflight_passed: 'preflight passed',
  run_preflight_overridden: 'preflight passed with overrides: {checks}',
  run_uploaded: '{route} → {vehicle}: {parts} uploaded and read back identical',
  run_state: '{state}',
  run_starting_mission: 'starting the mission',
  run_airborne: 'airborne at {alt} m',
  run_returning_commanded: 'returning: mode {mode}',
  run_returning_plan: 'returning: mode {mode} ({why})',
  run_returning_failsafe: 'returning: mode {mode} (not commanded from here: a failsafe: {sign})',
  run_returning_unknown: "returning: mode {mode} (not commanded from here: failsafe or the pilot's radio)",
  run_failsafe_status: 'the autopilot reports {status}',
  run_armed: 'armed (attempt {attempt})',
  run_arm_refused: 'attempt {attempt}: {reason}',
  run_command: '{action}: {result}',
  run_command_failed: '{action}: {result} ({reason})',
  run_off_route: '{metres} m off the route',
  run_back_on_route: 'back on the route',
  run_ended: '{result}',
  run_completed: 'completed',
  run_returned_early: 'returned early after item {item} of {of} ({by})',
  run_failed: 'failed: {reason}',
  run_aborted: '{reason}',
  run_returning_route_item: "returning: the route's last item ({item})",
  run_failed_restart: 'the service restarted during the launch',
  run_failed_upload: 'the upload failed: {reason}',
  run_failed_arm: 'could not arm: {reason}',
  run_failed_start: 'the autopilot did not start the mission: {reason}',
  run_failed_climb: 'it did not climb: {seconds} s after the start, altitude {alt} m, {armed}',
  run_failed_error: 'an error in the service: {reason}',
  run_aborted_by_pilot: 'aborted by the pilot before takeoff',
  due_checks_failed: 'preflight failed: {checks}',
  due_claimed_elsewhere: 'being launched by node {node} of the city',

  // a route's problems (missions/validate.ts): where in the route, and what
  route_where_line: 'line {n}',
  route_where_added_takeoff: 'takeoff (added)',
  route_where_added_return: 'return to launch (added)',
  route_where_planned_home: 'planned home',
  route_where_fence_polygon: 'fence polygon {n}',
  route_where_fence_vertex: 'fence polygon {n} vertex {vertex}',
  route_where_fence_circle: 'fence circle {n}',
  route_where_fence_return: 'fence return point',
  route_where_rally: 'rally point {n}',
  route_item: 'item {n}',
  route_home: 'home',
  route_latitude_range: 'latitude {lat} out of range (-90..90)',
  route_latitude_range_swapped: 'latitude {lat} out of range (-90..90) — lat/lon swapped?',
  route_longitude_range: 'longitude {lon} out of range (-180..180)',
  route_at_zero: '{name} at 0,0: ArduPilot stays where it is, other autopilots fly to 0°N 0°E',
  route_swapped: '{far} km from the planned home, but only {near} km with latitude and longitude exchanged — lat/lon swapped?',
  route_amsl_unchecked: 'altitude {alt} m is above sea level ({frame}) and the route has no planned home: the {ceiling} m ceiling cannot be checked',
  route_over_ceiling_home: 'altitude {alt} m above home is over the legal ceiling of {ceiling} m',
  route_over_ceiling_terrain: 'altitude {alt} m above terrain is over the legal ceiling of {ceiling} m',
  route_takeoff_not_above_home: 'takeoff altitude {alt} m is not above home',
  route_altitude_zero: '{name} at altitude 0: ArduPilot keeps its current altitude, other autopilots descend to home level',
  route_below_home: 'altitude {alt} m is below home',
  route_unknown_command: 'unknown command {command}: not a MAV_CMD in any MAVLink dialect',
  route_unknown_frame: 'frame {frame} is not a MAV_FRAME',
  route_fence_item: '{name} belongs to the geofence or rally points, not to the mission',
  route_frame_not_global:
    '{name} in frame {frame} {frameName}: mission positions need a global frame (0 GLOBAL, 3 GLOBAL_RELATIVE_ALT or 10 GLOBAL_TERRAIN_ALT)',
  route_params_truncated: 'param5/param6 ({lat}, {lon}) go as whole numbers in MISSION_ITEM_INT: they will be truncated',
  route_jump_target: 'DO_JUMP target {target} does not exist (items are numbered 1..{n}, home being 0)',
  route_jump_itself: 'DO_JUMP jumps to itself',
  route_jump_repeat: 'DO_JUMP repeat count {repeat} is invalid (-1 = forever, or 0 and up)',
  route_nothing_to_fly: 'no navigation command: the route has nothing to fly',
  route_takeoff_first: 'the first navigation command is {name}: a copter must take off first (put NAV_TAKEOFF before it)',
  route_open_end: 'the route ends with {name}, not RETURN_TO_LAUNCH or LAND: the drone will wait there',
  route_polygon_vertices: '{n} vertices: not a closed area (a polygon needs at least 3)',
  route_circle_radius: 'radius {radius} m: must be more than 0',
  route_rally_over_ceiling: 'altitude {alt} m above home is over the legal ceiling of {ceiling} m',
  route_in_no_fly: '{item} is inside the no-fly zone "{zone}"',
  route_leg_crosses_no_fly: 'the leg from {from} to {to} crosses the no-fly zone "{zone}" near {near}',
  route_outside_geofence: '{item} is outside the geofence "{zone}"',
  route_leg_leaves_geofence: 'the leg from {from} to {to} leaves the geofence "{zone}" near {near}',
  route_jump_forever: 'a DO_JUMP repeats forever: the patrol only ends by RTL from the ground station or a battery failsafe',
  route_battery_reserve:
    'the battery reserve is reached on this leg: about {minutes} min of flying ({km} km) against {usable} min usable ({endurance} min endurance less {reserve}% reserve)',
  // a route file that cannot be read (missions/formats/*, missions/issues.ts)
  import_more: 'only the first {n} problems are listed',
  import_json: 'not valid JSON: {detail}',
  import_json_at: 'not valid JSON at line {line}, column {column}: {detail}',
  import_expected_number: 'expected a number, got {got}',
  import_expected_number_or_null: 'expected a number or null, got {got}',
  import_not_object: 'not an object',
  import_missing: 'missing {keys}',
  import_params: 'expected 7 values (param1-4, lat, lon, alt), got {got}',
  import_command_number: 'expected a MAV_CMD number, got {got}',
  import_frame_number: 'expected a MAV_FRAME number, got {got}',
  import_complex_unsupported:
    'complex item "{type}" is not supported: its mission items are not in the file (QGroundControl computes them); open the plan in QGroundControl and save it as a .waypoints file',
  import_complex_version: '{type} version {version} is not supported (this reader knows version {known})',
  import_complex_no_items: '{type} has no "Items": its waypoints are missing from the file',
  import_expected_lat_lon: 'expected [latitude, longitude], got {got}',
  import_fence_version: 'version {version} is not supported (1 or 2)',
  import_missing_polygon: 'missing "polygon" (a list of [lat, lon])',
  import_missing_circle: 'missing "circle" ({center: [lat, lon], radius})',
  import_rally_version: 'version {version} is not supported (1 or 2)',
  import_meta_object: 'expected an object of route metadata',
  import_expected_text: 'expected text, got {got}',
  import_not_plan: 'not a QGroundControl plan: the file is not a JSON object',
  import_file_type: 'expected "Plan", got {got}',
  import_plan_version: 'plan version {version} is not supported (QGroundControl writes 1)',
  import_no_mission: 'no "mission" section: a route needs mission items',
  import_mission_version: 'mission version {version} is not supported (QGroundControl writes 2)',
  import_not_a_list: 'missing or not a list',
  import_item_type: 'item type {type} is not understood (SimpleItem or ComplexItem)',
  import_wpl_number: '{column} "{value}" is not a number',
  import_wpl_header: 'expected the header "QGC WPL 110", got "{got}"',
  import_wpl_columns: '{n} columns, expected 12 ({columns})',
  import_wpl_index: 'index {index}, expected {expected} (lines are numbered 0, 1, 2, ...)',
  import_wpl_whole: '{column} "{value}" is not a whole number',
  import_position: 'expected a position [longitude, latitude], got {got}',
  import_fence_open: 'fence polygon is not closed: its last position must repeat the first',
  import_fence_corners: 'fence polygon has {n} corners; it needs at least 3',
  import_altitude: 'expected metres above home (a positive number), got {got}',
  import_no_geometry: 'missing geometry',
  import_one_line: 'a route is one line: this file has more than one LineString',
  import_line_empty: 'the line has no positions',
  import_geometry_unused: '{type} is not used: a route file holds one LineString (the patrol line) and Polygons (the fence)',
  import_not_geojson: 'not GeoJSON: expected a FeatureCollection, a Feature or a geometry',
  import_no_line: 'no LineString: draw the patrol as a line',
  import_kml_tuple: '"{got}" is not "longitude,latitude[,altitude]"',
  import_kml_point: 'a Point is not used: a route file holds one LineString (the patrol line) and Polygons (the fence)',
  import_xml: 'not valid XML: {detail}',
  import_not_kml: 'not KML: no <kml> element',
  import_kml_altitude: 'expected metres above home (a positive number), got "{got}"',
  import_no_placemark: 'no LineString placemark: draw the patrol as a path',
  import_where_line_column: 'line {line}, column {column}',
  run_detour: 'left the route at item {item} for a point {metres} m away ({incident})',
  run_detour_on_scene: 'over the scene ({incident})',
  run_detour_resumed: 'back to the route at item {item} after {min} min {s} s over the scene',
  run_detour_ended: 'the detour ended ({how}) after {min} min {s} s over the scene',

  // drone to the scene (patrols/goto.ts): its checks, its record, its battery alert
  check_goto_idle_ground: 'on the ground: arms and climbs to {alt} m first',
  check_goto_idle_air: 'airborne',
  check_goto_idle_patrol: 'flying patrol run {run}: it leaves its route',
  check_goto_idle_launching: 'launching patrol run {run}: wait until it flies',
  check_goto_idle_sent: 'already sent to a point (goto {id})',
  check_goto_point_ok: '{km} km from the station (area {limit} km)',
  check_goto_point_far: '{km} km from the station, beyond its {limit} km area',
  check_goto_point_outside: 'outside the station geofence',
  check_goto_water: 'point is over water: {zone}',
  check_goto_water_clear: 'not over the water the station declares',
  check_goto_water_none: 'no water areas declared for this station',
  check_goto_path_clear: 'straight path clear of no-fly zones',
  check_goto_path_in_no_fly: 'the point is in the no-fly zone "{zone}"',
  check_goto_path_crosses: 'the straight path crosses the no-fly zone "{zone}"',
  check_goto_path_leaves: 'the straight path leaves the station geofence',
  check_goto_altitude: 'transit at {alt} m (ceiling {ceiling} m)',
  check_goto_battery: '{km} km there, {hold} min overhead and back: ~{minutes} min, needs {need}% with {reserve}% reserve, has {has}%',
  check_goto_incident: 'incident {id}',
  check_goto_incident_unknown: 'no incident {id}',
  check_goto_incident_over: 'incident {id} is over (resolved or closed)',
  goto_sent: 'sent to {lat}, {lon} at {alt} m by {pilot}',
  goto_arming: 'arming (attempt {attempt})',
  goto_arm_refused: 'attempt {attempt}: {reason}',
  goto_climbing: 'climbing to {alt} m',
  goto_moving: 'moving toward the point: {metres} m to go',
  goto_overhead: 'overhead: {metres} m from the point',
  goto_hold: 'holding: {how}',
  goto_roi: 'camera on the point: {result}',
  goto_orbit_refused: 'orbit refused ({reason}): holding position over the point',
  goto_link_lost: "link lost: the autopilot's failsafe decides; not shown as overhead",
  goto_link_regained: 'link regained',
  goto_battery_amber: 'battery allows {seconds} s more over the point',
  goto_limit_return: 'battery limit: returning home by itself',
  goto_limit_kept: 'battery limit passed: the pilot keeps it over the point',
  goto_keep_holding: '{pilot} keeps it over the point past the battery limit',
  goto_resumed: 'resuming its patrol at item {item}',
  goto_returning: 'returning home ({by})',
  goto_mode_left: 'left the goto: mode {mode}',
  goto_failed: 'failed: {reason}',
  goto_no_home: "no home position yet: its goto heights are counted from home's height above sea level",
  goto_orbiting: 'circling the point at {radius} m, facing it',
  goto_orbit_unconfirmed: 'orbit accepted but its mode stays {mode}: holding over the point',
  goto_restarted: 'the service restarted: watched again from its telemetry (not shown overhead until a fresh position says so)',
  goto_restart_in_start: 'the service restarted during the start: see the drone for where it is',
  alert_goto_battery: 'over the scene: {seconds} s before it must turn home',

  // why a drone's video is not live, when the reason is ours (video/udp-source.ts, relay.ts); a camera's own words stay English
  video_no_camera: 'no camera',
  video_closed: 'closed',
  video_udp_nothing: 'nothing received on UDP port {port}',
  video_udp_unreadable: 'only unreadable packets on UDP port {port} ({bad}): not RTP video',
  video_udp_no_picture: 'no whole picture yet on UDP port {port}',
  video_udp_no_picture_lost: 'no whole picture yet on UDP port {port} ({lost} packets lost so far)',
  video_udp_stopped: 'pictures stopped on UDP port {port}',
  video_udp_stopped_lost: 'pictures stopped on UDP port {port} ({lost} packets lost so far)',

  // refusals, and commands the aircraft did not carry out as asked
  ...REFUSAL_MESSAGES_EN,
} as const;

export type MessageCode = keyof typeof MESSAGES_EN;
/** The codes of refusals and of commands not carried out as asked (server/wire/refusal-messages.ts). */
export type RefusalCode = keyof typeof REFUSAL_MESSAGES_EN;

export function said(code: MessageCode, params?: Record<string, MessageParam>): ServerMessage {
  return params ? { code, params } : { code };
}

export const term = (key: string, en: string, params?: Record<string, string | number>): Term => (params ? { term: key, en, params } : { term: key, en });
export const verbatim = (text: string, by?: Verbatim['by']): Verbatim => (by ? { verbatim: text, by } : { verbatim: text });
export const moment = (at: number): Moment => ({ at });
export const id = (name: string): Identifier => ({ id: name });

export function isServerMessage(p: unknown): p is ServerMessage {
  return typeof p === 'object' && p !== null && typeof (p as ServerMessage).code === 'string' && Object.hasOwn(MESSAGES_EN, (p as ServerMessage).code);
}

/** A list of words or identifiers ("mission, fence") is said with commas, a list of sentences with semicolons. */
export const isWordList = (list: MessageParam[]): boolean => list.every((p) => typeof p === 'object' && !Array.isArray(p) && ('term' in p || 'id' in p));

function paramEnglish(p: MessageParam): string {
  if (typeof p === 'string' || typeof p === 'number') return String(p);
  if (Array.isArray(p)) return p.map(paramEnglish).join(isWordList(p) ? ', ' : '; ');
  if ('verbatim' in p) return p.verbatim;
  if ('term' in p) return p.en;
  if ('at' in p) return `${new Date(p.at).toISOString().slice(11, 19)} UTC`;
  if ('id' in p) return p.id;
  return english(p);
}

/** The message in English: what the API, the audit and the logs say. */
export function english(m: ServerMessage): string {
  const params = m.params ?? {};
  return MESSAGES_EN[m.code].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? paramEnglish(params[name]!) : whole));
}
