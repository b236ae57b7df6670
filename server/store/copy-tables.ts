/**
 * The tables a store copy moves (copy.ts), in the order it writes them: a row's parents before it,
 * so the target's foreign keys hold after every batch. Checked against schema.ts by the compiler: a
 * table added there and not here (or gone there) fails the build, so a copy never leaves one behind.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export type TableName = keyof Database;

/** A row as a copy moves it: column to value, the same on both databases (schema.ts). */
export type Row = Record<string, unknown>;
/** The query builder without the tables' types: a copy reads and writes every table alike. */
export type AnyKysely = Kysely<Record<string, Row>>;

export interface KeyedTable {
  /** the primary key: rows are read in its order (keyset pages), and a row is there when its key is */
  key: readonly string[];
  /** an identity `id` on PostgreSQL, whose sequence must move past the ids copied in */
  identity?: true;
  /** other unique columns: a target row holding the same value under another key is a conflict */
  unique?: readonly { column: string; nocase?: true }[];
  /** rows a page: fewer where a row is large (a still's picture) */
  page?: number;
}

/** null: track_points, which has no key and is copied per drone by time (copy-tracks.ts). */
const CHECKED = {
  users: { key: ['id'], identity: true, unique: [{ column: 'name', nocase: true }] },
  user_roles: { key: ['user_id', 'role'] },
  sessions: { key: ['token_hash'] },
  audit: { key: ['id'], identity: true, unique: [{ column: 'entry_key' }] },
  vehicles: { key: ['id'] },
  track_points: null,
  patrol_runs: { key: ['id'], identity: true },
  patrol_events: { key: ['id'], identity: true },
  alerts: { key: ['id'], identity: true, unique: [{ column: 'incident_no' }] },
  alert_events: { key: ['id'], identity: true },
  drone_control: { key: ['vehicle_id'] },
  gotos: { key: ['id'], identity: true },
  goto_events: { key: ['id'], identity: true },
  drone_requests: { key: ['id'], identity: true },
  video_snapshots: { key: ['id'], identity: true, page: 50 },
  video_sources: { key: ['drone'] },
  video_segments: { key: ['id'], identity: true, unique: [{ column: 'file' }] },
  journal_applied: { key: ['key'] },
  cluster_leases: { key: ['name'] },
  cluster_commands: { key: ['id'] },
  cluster_stations: { key: ['node'] },
} satisfies { [T in TableName]: (KeyedTable & { key: readonly (keyof Database[T] & string)[] }) | null };
export const TABLES: Record<TableName, KeyedTable | null> = CHECKED;

export const TABLE_ORDER = Object.keys(TABLES) as TableName[];

/** Bound parameters in one statement: under SQLite's 32,766 (PostgreSQL allows 65,535). */
const MAX_PARAMS = 30_000;

/** Rows in one INSERT of `columns` columns. */
export const rowsPerInsert = (columns: number) => Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns)));

/** A row's key as one string, to match rows of the two stores. */
export const keyOf = (key: readonly string[], row: Row) => key.map((c) => String(row[c])).join('\u0000');

/** The key for messages: "id 7", "user_id 3, role pilot". */
export const describeKey = (key: readonly string[], row: Row) => key.map((c) => `${c} ${String(row[c])}`).join(', ');
