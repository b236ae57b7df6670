/**
 * The tables as the query builder (Kysely) sees them, the same on SQLite and PostgreSQL: times are
 * milliseconds since the epoch (INTEGER / BIGINT, read back as numbers), flags are 0 and 1 (not
 * booleans, so both databases store and return the same), JSON is text. `Generated` marks a column
 * the database fills (ids, defaults).
 */
import type { Generated } from 'kysely';

type Ms = number;
type Flag = 0 | 1;
type Id = Generated<number>;

export interface Database {
  users: {
    id: Id;
    name: string;
    display_name: Generated<string>;
    password_hash: string;
    disabled: Generated<Flag>;
    created_at: Ms;
    /** 'city' or a station's id (migration 014) */
    scope: Generated<string>;
  };
  user_roles: { user_id: number; role: string };
  sessions: { token_hash: string; user_id: number; created_at: Ms; expires_at: Ms; ip: string | null };
  audit: {
    id: Id;
    time: Ms;
    user: string | null;
    action: string;
    target: string | null;
    result: string;
    detail: string | null;
    ip: string | null;
    /** set on rows a later statement finds again (a refusal's count): see write-journal.ts */
    entry_key: string | null;
  };
  journal_applied: { key: string; at: Ms };
  vehicles: { id: string; sysid: number; link_uri: string; autopilot: string; type: string; callsign: string | null; first_seen: Ms; last_seen: Ms };
  track_points: {
    vehicle_id: string;
    time: Ms;
    lat: number;
    lon: number;
    alt_msl: number | null;
    alt_rel: number | null;
    heading: number | null;
    speed: number | null;
    battery: number | null;
    mode: string | null;
    armed: Flag;
  };
  patrol_runs: {
    id: Id;
    vehicle_id: string;
    route_id: string;
    route_json: string;
    pilot: string;
    state: string;
    started_at: Ms;
    ended_at: Ms | null;
    distance_m: number | null;
    max_alt_m: number | null;
    min_battery: number | null;
    result: string | null;
    outcome: string | null;
  };
  patrol_events: { id: Id; run_id: number; time: Ms; kind: string; detail: string | null };
  alerts: {
    id: Id;
    kind: 'aircraft' | 'ground';
    category: string;
    severity: string;
    priority: number | null;
    lat: number | null;
    lon: number | null;
    vehicle_id: string | null;
    note: string | null;
    state: string;
    created_by: string | null;
    created_at: Ms;
    updated_at: Ms;
    closed_at: Ms | null;
    incident_no: string | null;
    outcome: string | null;
    outcome_note: string | null;
    outcome_by: string | null;
    outcome_at: Ms | null;
  };
  alert_events: { id: Id; alert_id: number; time: Ms; user: string | null; kind: string; detail: string | null };
  drone_control: { vehicle_id: string; pilot: string; since: Ms };
  gotos: {
    id: Id;
    vehicle_id: string;
    pilot: string;
    alert_id: number | null;
    lat: number;
    lon: number;
    alt_m: number;
    hold_min: number;
    hold: string;
    state: string;
    checks: string;
    started_at: Ms;
    arrived_at: Ms | null;
    ended_at: Ms | null;
    held_ms: Generated<number>;
    keep_holding: Generated<Flag>;
    left_patrol: string | null;
  };
  goto_events: { id: Id; goto_id: number; time: Ms; kind: string; detail: string };
  drone_requests: {
    id: Id;
    alert_id: number;
    lat: number;
    lon: number;
    requested_by: string;
    at: Ms;
    note: string;
    state: string;
    accepted_by: string | null;
    vehicle_id: string | null;
    goto_id: number | null;
  };
  video_snapshots: {
    id: Id;
    vehicle_id: string;
    taken_at: Ms;
    taken_by: string;
    lat: number | null;
    lon: number | null;
    alt_m: number | null;
    heading_deg: number | null;
    alert_id: number | null;
    width: number;
    height: number;
    mime: string;
    image: Buffer;
    created_at: Ms;
  };
  video_sources: { drone: string; uri: string; set_by: string; set_at: Ms };
  video_segments: {
    id: Id;
    vehicle_id: string;
    file: string;
    started_at: Ms;
    ended_at: Ms;
    bytes: number;
    writing: Generated<Flag>;
    codec: string;
    mime: string;
    width: number;
    height: number;
  };
  /** which node of a city serves what only one may serve at a time (server/cluster/leases.ts) */
  cluster_leases: { name: string; holder: string; epoch: number; expires_at: Ms };
  /** forwarded commands, run at most once by their id (server/cluster/command-claims.ts); result is JSON */
  cluster_commands: { id: string; node: string; state: 'running' | 'done' | 'abandoned'; result: string | null; at: Ms };
  /** each node's station as it last said it (server/cluster/station-table.ts); station and links are JSON */
  cluster_stations: { node: string; station: string; links: string; said_at: Ms };
}
