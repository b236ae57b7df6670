/**
 * What the service says when it refuses a request, or when a command to an aircraft did not do
 * what was asked: the English of each code (part of MESSAGES_EN, server/wire/messages.ts). A
 * refusal carries its message (Refusal.said, server/refusal.ts) beside its English `error`, so the
 * pages say it in their language; the API, the audit and the logs keep the English.
 */
export const REFUSAL_MESSAGES_EN = {
  // the store is away (PostgreSQL restarted or unreachable: http/errors.ts); flying, return and land do not need it
  store_unavailable: 'the database does not answer ({reason}): this needs it; try again shortly. Flying drones, return and land are not affected',

  // a request for a drone linked at another node of the city (http/city.ts)
  city_node_silent:
    '{vehicle} is served by node {node}, which has not been heard for {seconds} s: nothing was carried out; another node takes it over within seconds, try again shortly',
  city_no_answer: 'node {node}, which serves {vehicle}, did not answer within {seconds} s: nothing was carried out',
  city_answer_lost: 'node {node} took the request for {vehicle} but its answer did not come within {seconds} s: see the audit for what it did',
  city_node_failed: 'node {node}, which serves {vehicle}, could not carry out the request: {reason}',
  city_no_desk: 'no node of the city is the dispatch desk at this moment (one takes it over within seconds): nothing was done; try again shortly',
  city_bus_away: "{vehicle} is served by node {node}, and the city's bus (Redis) is away: nothing was carried out; try again shortly",

  // stations and scopes (http/scope.ts)
  scope_other_station: '{vehicle} belongs to station {station}; {user} works for station {scope}',
  scope_place_outside: '{place} is outside the area of station {scope}, which {user} works for: a station raises incidents in its own area',

  // taking, handing over and holding control (patrols/control.ts)
  control_held: '{vehicle} is under the control of {holder}; they must release it first',
  control_not_yours: '{vehicle} is under the control of {holder}, not {user}',
  control_take_first: 'take control of {vehicle} first',
  vehicle_never_heard: 'no vehicle "{vehicle}": SkyBeat has never heard from it (GET /api/vehicles lists the drones)',
  vehicle_unknown: 'no vehicle "{vehicle}"',
  vehicle_unknown_listed: 'no vehicle "{vehicle}"; GET /api/vehicles lists them',

  // launching and commanding a patrol (patrols/patrols.ts)
  route_unknown: 'no route "{route}"',
  route_unknown_listed: 'no route "{route}"; GET /api/routes lists them',
  route_cannot_fly: 'route "{route}" cannot be flown: {problems}',
  check_failed_item: '{check} ({value})',
  override_unknown: 'cannot override {unknown}: only {allowed} may be overridden',
  preflight_failed: 'preflight failed: {checks}',
  mission_checks_failed: 'mission checks failed: {checks}',
  patrol_flying: '{vehicle} is flying patrol run {run} (route "{route}", {state}): end it first (land or rtl; abort before takeoff)',
  patrol_none_to_abort: '{vehicle} has no patrol to abort',
  patrol_abort_in_air: '{vehicle} is in the air: return it (rtl) or land it instead of aborting',
  run_unknown: 'no run {run}',

  // drone to the scene and the command room's requests (patrols/goto.ts, drone-requests.ts)
  goto_point_invalid: 'lat/lon: give the point as degrees (0,0 is "no position")',
  goto_incident_unknown: 'no incident {id}',
  goto_incident_over: 'incident {id} is over (resolved or closed): no drone is sent to it',
  goto_checks_failed: 'goto checks failed: {checks}',
  goto_nothing_to_resume: '{vehicle} left no patrol to resume: return it home instead',
  goto_not_sent: '{vehicle} has not been sent to a point',
  goto_record_unknown: 'no drone-to-the-scene record {id}',

  // recorded video (http/recordings-api.ts, video-sources-api.ts)
  recording_file_unknown: 'no recorded video file {id}',
  recording_none_run: 'no video was recorded during run {id}',
  recording_none_goto: 'no video was recorded during drone-to-the-scene {id}',
  video_source_nothing_announced: 'drone "{drone}" has announced no camera to approve',
  video_source_announcement_changed: 'uri: drone {drone} now announces {now}, not {seen}: look again before approving',
  still_unknown: 'no still {id}',
  still_not_yours: 'forbidden: still {id} belongs to no incident of yours',
  still_incident_not_yours: "forbidden: incident {id} is not the one you hold; an officer sees only their own incident's evidence",
  still_drone_not_yours: "forbidden: you may not watch {vehicle}'s video, so you may not take a still of it",
  still_taken_future: "takenAt lies in the future (the service's clock: {now})",
  still_taken_late: "takenAt is more than {seconds} s ago (the service's clock: {now}): a still is filed when it is taken, with where the drone is now",
  still_too_many: 'too many stills: at most {max} a minute for each user; {user} has taken that many, wait a minute',
  still_not_jpeg: 'the request body must be the still as a JPEG picture (Content-Type: image/jpeg)',
  still_bad_jpeg: 'the request body: {problem}',
  video_source_not_drone: '"{drone}" is not a drone: give its vehicle id (e.g. "l1-3") or sysid (e.g. "3")',
  drone_request_exists: 'a drone is already requested for incident {incident} (request {id})',
  drone_request_unknown: 'no drone request {id}',
  drone_request_closed: 'drone request {id} is {state}',
  drone_request_incident_over: 'incident {id} is over (resolved or closed): no drone is requested for it',
  drone_request_taken: 'drone request {id} is {state} by {pilot} ({vehicle})',

  // the routes folder (missions/store.ts, http/routes-api.ts)
  route_exists: 'route "{route}" already exists ({file}); use PUT to replace it',
  route_name_taken: 'route "{route}" already exists ({file}): choose another name',
  route_file_taken: '{file} already exists in the routes folder: choose another name',
  route_fix_file_first: '{file} cannot be read as a route: fix the file first',
  route_unreadable: '{file} cannot be read as a route',
  route_needs_id: 'route.id: a new route needs an id (it becomes the file name)',
  route_id_invalid: 'route id "{id}": use letters, digits, "-", "_" or "." (it becomes the file name), at most 100 characters',
  route_has_errors: '{file} has errors; nothing was written',
  route_written_too_large: '{file} would be {size} as written: a route file is at most {max}; nothing was written',
  route_file_too_large: '{file} is {size}: a route file is at most {max}',
  route_request_too_large: 'request body too large: a route is at most {max} MB',
  route_file_refused: '{file} refused: {problems}',
  route_file_unreadable: '{file} cannot be read',
  route_file_type: 'fileName "{file}": a route file ends with .plan, .waypoints, .geojson or .kml',
  route_schedule: 'invalid request body: schedule: {problem}',
  schedule_interval_short: 'schedule "{schedule}": an interval of {minutes} min is too short (10 min at least)',
  schedule_no_time: 'schedule "{schedule}": no time of day found (write e.g. "21:30" or "19:00-02:00 every 2h")',
  schedule_unreadable: 'not a schedule: "{schedule}"',
  // a file refused for what it is (missions/formats), and what reading one changed
  import_doctype: 'a DOCTYPE (entity declarations) is refused: KML needs none, and entities can read files on the server or expand without end',
  import_too_deep: 'elements nested more than {depth} deep are refused (KML needs a handful of levels)',
  import_xml_refused: 'refused by the XML reader: {detail}',
  import_too_many_points:
    'the line has {points} points and, simplified within {tolerance} m, still more than {max}: more than {holds}; simplify it in the GIS or split the patrol into several routes',
  import_simplified:
    'the drawn line had {points} points, more than {holds}; it was simplified to {kept}, every drawn point within {tolerance} m of the line flown',
  import_holds: 'the {max} a mission holds ({items} items less home, takeoff and return)',

  // incidents and officers (alerts/ground.ts, http/alerts-api.ts)
  incident_unknown: 'no ground alert {id}',
  incident_id_invalid: 'alert id "{id}" is not a number',
  incident_is: 'ground alert {id} is {state}',
  incident_closed_already: 'ground alert {id} is already closed',
  incident_wave_not_waiting: 'ground alert {id} is {state}: only an incident nobody has accepted goes to a next wave',
  incident_nobody_left: 'ground alert {id}: no officer left to alert (every reachable officer on duty was alerted or is busy); assign one by name',
  incident_outcome_with_resolved: 'outcome and note go with the answer "resolved", not "{answer}"',
  incident_not_sent_to: 'ground alert {id} was not sent to {officer}',
  incident_reassigned: 'ground alert {id} was reassigned to {to}',
  incident_taken: 'ground alert {id} is already taken by {by}',
  incident_out_of_order: 'cannot answer "{answer}" to ground alert {id} in state {state}',
  incident_outcome_required: 'outcome: required to close ground alert {id} (one of {outcomes})',
  incident_outcome_unknown: 'outcome: unknown outcome "{outcome}" (one of {outcomes})',
  officer_unknown: 'officer: no user "{name}"',
  officer_not_officer: 'officer: "{name}" is not an officer (roles: {roles})',
  officer_disabled: 'officer: "{name}" is disabled',
  aircraft_alert_unknown: 'no aircraft alert {id}',
  aircraft_alert_is_ground: 'no aircraft alert {id} ({id} is a ground alert)',
  aircraft_alerts_unknown: 'ids: no aircraft alert {ids}; none acknowledged',
  alert_too_many: 'too many ground alerts from {user}: at most {limit} a minute; wait a minute',
  alert_here_unknown: 'vehicleId: no vehicle "{vehicle}"',
  alert_here_no_position: 'vehicleId: {vehicle} has no position yet, mark the spot on the map instead',
  alert_outside_area: 'lat/lon {lat},{lon} is {km} km from the station, outside its {limit} km area',
  alert_outside_area_zero: 'lat/lon {lat},{lon} is {km} km from the station, outside its {limit} km area (0,0 is "no position")',

  // sessions, rights and the service stopping (http/auth.ts, live-sessions.ts, app.ts)
  role_needed: 'forbidden: {what} needs the role {roles}; {user} has {has}',
  either: '{a} or {b}',
  control_needs_pilot: 'taking control needs the role pilot; {user} has {has}',
  not_logged_in_none: 'not logged in: no session (log in with POST /api/login)',
  not_logged_in: 'not logged in: session unknown or logged out',
  session_expired: 'not logged in: session expired, log in again',
  session_logged_out: 'session ended: logged out',
  session_password_changed: 'session ended: the password was changed; log in again',
  session_roles_changed: 'session ended: the roles of this account were changed; log in again',
  session_scope_changed: 'session ended: the station (or the whole city) this account works for was changed; log in again',
  session_account_disabled: 'session ended: this account was disabled',
  session_account_removed: 'session ended: this account was removed',
  session_timed_out: 'session ended: it expired; log in again',
  session_ended_elsewhere: 'session ended: logged out, or the password was changed; log in again',
  service_stopping: 'not accepted: the service is stopping ({reason})',
  // accounts (http/users-api.ts, store/users.ts): the admin tab says them in the admin's language
  user_exists: 'user "{user}" already exists',
  user_unknown: 'no user "{user}"',
  user_delete_self: 'you cannot delete your own account',
  user_last_admin_disable: '{user} is the last enabled admin: disabling the account would leave nobody to manage accounts; make another admin first',
  user_last_admin_role: '{user} is the last enabled admin: taking the admin role would leave nobody to manage accounts; make another admin first',
  user_last_admin_remove: '{user} is the last enabled admin: removing the account would leave nobody to manage accounts; make another admin first',
  // why the service stops: a signal's name, the operator's words, or nothing given
  shutdown_reason: '{reason}',

  // a command the aircraft did not carry out as asked (vehicles/commands.ts, actions.ts, autopilots/)
  command_busy: '{command} already in progress for {vehicle}',
  command_cancelled: '{command} cancelled',
  command_no_answer: '{command}: no answer from {vehicle} after {attempts} attempts of {ms} ms',
  command_still_in_progress: '{command}: still in progress after {ms} ms',
  command_denied: '{command} {result}',
  command_denied_texts: '{command} {result}: {texts}',
  action_no_mode: '{vehicle} ({autopilot}) has no mode {mode}',
  action_mode_unconfirmed: 'mode change to {mode} accepted, but {vehicle} still reports {now}',
  action_arm_unconfirmed: 'arming accepted, but {vehicle} reports disarmed',
  action_disarm_unconfirmed: 'disarming accepted, but {vehicle} reports armed',
  action_start_unconfirmed: 'mission start accepted, but {vehicle} reports mode {mode}',
  start_mode_failed: 'cannot switch to {mode}: {reason}',
  start_refused: 'mission start refused: {reason}',
  goto_not_climbing: 'not climbing {seconds} s after the take-off command',
  goto_not_reaching: 'did not reach {alt} m',
  goto_not_moving: 'not moving toward the point {seconds} s after the command',
  goto_could_not_arm: 'could not arm: {reason}',
  goto_error: 'an error in the service: {reason}',
} as const;
