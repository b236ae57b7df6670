import { type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { Db } from './connection.ts';
import type { RecordWriter } from './write-journal.ts';
import { StoreError } from './db.ts';
import type { Database } from './schema.ts';
import type { ServerMessage } from '../wire/messages.ts';
import type { AircraftAlertView, AlertSeverity, HeatPoint } from '../wire/types.ts';

/** The store's query builder, or a transaction of it. */
type Q = Kysely<Database>;

/**
 * Run `fn` in a transaction of its own, or in the caller's when `k` is one already (the bench
 * seeds thousands of incidents in one): Kysely has no nested transactions.
 */
function inTransaction<T>(k: Q, fn: (trx: Q) => Promise<T>): Promise<T> {
  return k.isTransaction ? fn(k) : k.transaction().execute(fn);
}

/**
 * One field of a JSON text column, as text (an object comes back as its JSON). The one place the
 * two databases differ here: SQLite's json_extract takes a path, PostgreSQL reads the text as json.
 */
function jsonField(db: Db, column: string, field: string): RawBuilder<string | null> {
  return db.dialect === 'sqlite'
    ? sql<string | null>`json_extract(${sql.ref(column)}, ${sql.lit(`$.${field}`)})`
    : sql<string | null>`(${sql.ref(column)}::json ->> ${sql.lit(field)})`;
}

async function addEvent(k: Q, alertId: number, user: string | null, kind: string, detail: unknown, time: number): Promise<void> {
  await k.insertInto('alert_events')
    .values({ alert_id: alertId, time, user, kind, detail: detail === undefined ? null : JSON.stringify(detail) })
    .execute();
}

/**
 * The state of an aircraft alert's row that holds an id reserved for it (AlertStore.reserve):
 * the monitor names an alert before the database has answered, and no other row takes that id.
 */
const RESERVED = 'reserved';

export interface RaiseAircraft {
  /** a reserved id (AlertStore.reserve), or none for a new row */
  id?: number;
  vehicleId: string;
  rule: string;
  severity: AlertSeverity;
  message: string;
  said?: ServerMessage;
  /** when it was raised (ms); now if not given */
  at?: number;
}

interface AlertRow {
  id: number;
  category: string;
  severity: string;
  vehicle_id: string | null;
  note: string | null;
  created_at: number;
  closed_at: number | null;
  acknowledged_by: string | null;
  /** the latest message as code and parameters (JSON), kept in its raised or updated event */
  said: string | null;
}

/**
 * Aircraft alerts and their lifecycle events. All alert SQL lives here. An alert raised in its
 * reserved row, its updates, its clearing and an acknowledgement the monitor answered from memory
 * are written without waiting, through the journal (write-journal.ts): while PostgreSQL is away
 * they wait on local disk, in order, and none is lost.
 */
export class AlertStore {
  constructor(private readonly db: Db, private readonly writer: RecordWriter) {}

  /** The statement of one event of an alert, for the journal. */
  private event(alertId: number, user: string | null, kind: string, detail: unknown, time: number) {
    return this.db.k.insertInto('alert_events').values({ alert_id: alertId, time, user, kind, detail: detail === undefined ? null : JSON.stringify(detail) })
      .compile();
  }

  /**
   * Reserve `n` ids for aircraft alerts, as rows in state "reserved" that raiseAircraft fills in:
   * the monitor shows an alert with its id at once, even while the database is slow or away.
   * Aircraft and ground alerts share the table's ids, so an id is only ever taken from the database.
   */
  async reserve(n: number): Promise<number[]> {
    if (!Number.isInteger(n) || n < 1) throw new StoreError(`reserve: ${n} is not a number of ids (1 or more)`);
    const now = Date.now();
    const rows = await this.db.k.insertInto('alerts')
      .values(
        Array.from({ length: n }, () => ({ kind: 'aircraft' as const, category: '', severity: 'info', state: RESERVED, created_at: now, updated_at: now })),
      )
      .returning('id')
      .execute();
    return rows.map((r) => r.id).sort((a, b) => a - b);
  }

  /** Ids reserved before and never used (the service stopped first): the next monitor takes them. */
  async reserved(): Promise<number[]> {
    await this.writer.drained(); // those filled in by entries still in the journal are not free
    const rows = await this.db.k.selectFrom('alerts').select('id').where('kind', '=', 'aircraft').where('state', '=', RESERVED).orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  /** Raise an alert, in its reserved row (without waiting) or a new one. Returns its id. */
  async raiseAircraft(a: RaiseAircraft): Promise<number> {
    const at = a.at ?? Date.now();
    const values = { category: a.rule, severity: a.severity, vehicle_id: a.vehicleId, note: a.message, state: 'open', created_at: at, updated_at: at };
    const raised = { message: a.message, said: a.said };
    if (a.id !== undefined) {
      // A row no longer reserved is left as it is (the journal applies each entry once).
      // Raised once whatever repeats it: the event only where the alert has none yet (an id never
      // reserved has no row: its event is refused by the foreign key).
      const detail = JSON.stringify(raised);
      this.writer.write([
        this.db.k.updateTable('alerts').set(values).where('id', '=', a.id).where('kind', '=', 'aircraft').where('state', '=', RESERVED).compile(),
        sql`INSERT INTO alert_events (alert_id, time, "user", kind, detail)
          SELECT cast(${a.id} as bigint), cast(${at} as bigint), NULL, 'raised', cast(${detail} as text)
          WHERE NOT EXISTS (SELECT 1 FROM alert_events WHERE alert_id = ${a.id} AND kind = 'raised')`.compile(this.db.k),
      ], 'kept');
      return a.id;
    }
    return inTransaction(this.db.k, async (trx) => {
      const id = (await trx.insertInto('alerts').values({ kind: 'aircraft', ...values }).returning('id').executeTakeFirstOrThrow()).id;
      await addEvent(trx, id, null, 'raised', raised, at);
      return id;
    });
  }

  /** A new message and severity (the battery keeps falling); the code and parameters go in an event, for the pages. */
  updateAircraft(id: number, severity: AlertSeverity, message: string, said?: ServerMessage, at = Date.now()): Promise<void> {
    this.writer.write([
      this.db.k.updateTable('alerts').set({ severity, note: message, updated_at: at }).where('id', '=', id).compile(),
      ...(said ? [this.event(id, null, 'updated', { message, said }, at)] : []),
    ], 'kept');
    return Promise.resolve();
  }

  clearAircraft(id: number, reason: string, at = Date.now()): Promise<void> {
    this.writer.write([
      this.db.k.updateTable('alerts').set({ state: 'cleared', closed_at: at, updated_at: at }).where('id', '=', id).where('closed_at', 'is', null).compile(),
      this.event(id, null, 'cleared', { reason }, at),
    ], 'kept');
    return Promise.resolve();
  }

  /** An acknowledgement the monitor has already shown (of an alert it holds), written without waiting. */
  acknowledgeShown(id: number, user: string, at = Date.now()): Promise<void> {
    this.writer.write([
      this.db.k.updateTable('alerts').set({ updated_at: at }).where('id', '=', id).where('kind', '=', 'aircraft').where('state', '<>', RESERVED).compile(),
      this.event(id, user, 'acknowledged', undefined, at),
    ], 'kept');
    return Promise.resolve();
  }

  /** Undefined, writing nothing, when `id` is not an aircraft alert (unknown, or a ground alert's: both share the table). */
  async acknowledge(id: number, user: string, at = Date.now()): Promise<AircraftAlertView | undefined> {
    await this.writer.drained();
    return inTransaction(this.db.k, async (trx) => {
      const done = await trx.updateTable('alerts').set({ updated_at: at }).where('id', '=', id).where('kind', '=', 'aircraft').where('state', '<>', RESERVED)
        .executeTakeFirst();
      if (done.numUpdatedRows === 0n) return undefined;
      await addEvent(trx, id, user, 'acknowledged', undefined, at);
      return this.aircraftIn(trx, id);
    });
  }

  private selectAircraft(k: Q) {
    return k.selectFrom('alerts as a')
      .select(['a.id', 'a.category', 'a.severity', 'a.vehicle_id', 'a.note', 'a.created_at', 'a.closed_at'])
      .select((eb) => [
        eb.selectFrom('alert_events as e').select('e.user').whereRef('e.alert_id', '=', 'a.id').where('e.kind', '=', 'acknowledged')
          .orderBy('e.id', 'desc').limit(1).as('acknowledged_by'),
        eb.selectFrom('alert_events as e').select(jsonField(this.db, 'e.detail', 'said').as('said')).whereRef('e.alert_id', '=', 'a.id')
          .where('e.kind', 'in', ['raised', 'updated']).orderBy('e.id', 'desc').limit(1).as('said'),
      ])
      .where('a.kind', '=', 'aircraft')
      .where('a.state', '<>', RESERVED);
  }

  private toView(r: AlertRow): AircraftAlertView {
    return {
      id: r.id,
      vehicleId: r.vehicle_id ?? '',
      rule: r.category,
      severity: r.severity as AlertSeverity,
      message: r.note ?? '',
      raisedAt: r.created_at,
      clearedAt: r.closed_at,
      acknowledgedBy: r.acknowledged_by,
      said: r.said ? JSON.parse(r.said) as ServerMessage : null,
    };
  }

  private async aircraftIn(k: Q, id: number): Promise<AircraftAlertView | undefined> {
    const r = await this.selectAircraft(k).where('a.id', '=', id).executeTakeFirst();
    return r && this.toView(r);
  }

  async aircraft(id: number): Promise<AircraftAlertView | undefined> {
    await this.writer.drained();
    return this.aircraftIn(this.db.k, id);
  }

  /** Alerts that still hold or were never acknowledged (what a pilot must still see). */
  async openAircraft(): Promise<AircraftAlertView[]> {
    await this.writer.drained();
    const rows = await this.selectAircraft(this.db.k)
      .where((eb) =>
        eb.or([
          eb('a.closed_at', 'is', null),
          eb.not(eb.exists(eb.selectFrom('alert_events as e').select('e.id').whereRef('e.alert_id', '=', 'a.id').where('e.kind', '=', 'acknowledged'))),
        ])
      )
      .orderBy('a.id')
      .execute();
    return rows.map((r) => this.toView(r));
  }
}

export interface GroundRow {
  id: number;
  category: string;
  priority: number;
  lat: number;
  lon: number;
  note: string;
  vehicleId: string | null;
  createdBy: string;
  createdAt: number;
  state: string;
  closedAt: number | null;
  outcome: string | null;
  outcomeNote: string | null;
  outcomeBy: string | null;
  outcomeAt: number | null;
  /** the incident's readable number (e.g. HF-20261202-003); null only until numberOld() gives one */
  number: string | null;
}
/** How an incident ended, as recorded with a resolve or a close. */
export interface OutcomeRecord {
  code: string;
  note: string;
}
/** The incident log's filters: creation time, category, outcome ('none': not recorded) and the officer who took the job. */
export interface IncidentQuery {
  from?: number;
  to?: number;
  category?: string;
  outcome?: string;
  officer?: string;
  limit?: number;
}
/** The history's filters: creation time and a bounding box (west, south, east, north). */
export interface HistoryQuery {
  from?: number;
  to?: number;
  bbox?: [number, number, number, number];
  limit?: number;
}
export interface AlertEvent {
  time: number;
  user: string | null;
  kind: string;
  detail: Record<string, unknown> | null;
}
/** An incident with every event of it, oldest first. */
export interface IncidentRecord {
  row: GroundRow;
  events: AlertEvent[];
}

/** At most this many incidents in one answer (the log, the history, the CSV). */
const MAX_ROWS = 10_000;
/**
 * A day's incidents were all created within a day of each other, whatever the station's time
 * zone: the day's next number is counted among those created three days either side of it, which
 * the (kind, created_at) index finds at once, instead of every incident ever raised.
 */
const NUMBER_WINDOW_MS = 3 * 24 * 3600_000;

/** Ground alerts: each change is one transaction of the row and its event, so history and state never disagree. */
export class GroundAlertStore {
  constructor(private readonly db: Db) {}

  private select(k: Q) {
    return k.selectFrom('alerts')
      .select([
        'id',
        'category',
        'priority',
        'lat',
        'lon',
        sql<string>`coalesce(note, '')`.as('note'),
        'vehicle_id as vehicleId',
        'created_by as createdBy',
        'created_at as createdAt',
        'state',
        'closed_at as closedAt',
        'outcome',
        'outcome_note as outcomeNote',
        'outcome_by as outcomeBy',
        'outcome_at as outcomeAt',
        'incident_no as number',
      ])
      .where('kind', '=', 'ground')
      .$castTo<GroundRow>();
  }

  /**
   * numberPrefix: what the station's incident numbers start with on the day of a moment (e.g.
   * "HF-20261202-"); the day's next count is taken in the row's own transaction, so two incidents
   * raised at once never share a number and none is skipped.
   */
  async create(
    a: { category: string; priority: number; lat: number; lon: number; note: string; vehicleId: string | null; createdBy: string },
    numberPrefix: (at: number) => string,
  ): Promise<GroundRow> {
    return inTransaction(this.db.k, async (trx) => {
      const now = Date.now();
      const number = await this.nextNumber(trx, numberPrefix(now), now);
      const { id } = await trx.insertInto('alerts')
        .values({
          kind: 'ground',
          category: a.category,
          severity: 'info',
          priority: a.priority,
          lat: a.lat,
          lon: a.lon,
          vehicle_id: a.vehicleId,
          note: a.note,
          state: 'open',
          created_by: a.createdBy,
          created_at: now,
          updated_at: now,
          incident_no: number,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await addEvent(trx, id, a.createdBy, 'created', { category: a.category }, now);
      return this.select(trx).where('id', '=', id).executeTakeFirstOrThrow();
    });
  }

  /**
   * The prefix and the day's next count, at least three digits (HF-20261202-003; a 1000th simply
   * has four), for an incident created at `at`. Inside the caller's transaction.
   */
  private async nextNumber(trx: Q, prefix: string, at: number): Promise<string> {
    // PostgreSQL runs transactions side by side: two incidents raised at once would both count the
    // same last number. A lock on the prefix, held to the end of the insert's transaction, makes
    // the second wait for the first. SQLite runs one transaction at a time already.
    if (this.db.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext(${prefix}))`.execute(trx);
    const like = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const last = await trx.selectFrom('alerts')
      .select(sql<number | null>`max(cast(substr(incident_no, ${prefix.length + 1}) as integer))`.as('n'))
      .where('kind', '=', 'ground')
      .where('created_at', '>=', at - NUMBER_WINDOW_MS)
      .where('created_at', '<=', at + NUMBER_WINDOW_MS)
      .where(sql<boolean>`incident_no LIKE ${like} ESCAPE '\\'`)
      .executeTakeFirstOrThrow();
    return `${prefix}${String((last.n ?? 0) + 1).padStart(3, '0')}`;
  }

  /** Incidents recorded before numbers existed get theirs, by the day and in the order they were raised. Returns how many. */
  async numberOld(numberPrefix: (at: number) => string): Promise<number> {
    return inTransaction(this.db.k, async (trx) => {
      const old = await trx.selectFrom('alerts').select(['id', 'created_at as createdAt']).where('kind', '=', 'ground').where('incident_no', 'is', null)
        .orderBy('created_at').orderBy('id').execute();
      for (const r of old) {
        const number = await this.nextNumber(trx, numberPrefix(r.createdAt), r.createdAt);
        await trx.updateTable('alerts').set({ incident_no: number }).where('id', '=', r.id).execute();
      }
      return old.length;
    });
  }

  /**
   * Record an event and, if given, the alert's new state and how it ended, atomically. The outcome
   * goes into the event's detail too, so each one given stays in the incident's story.
   */
  async record(id: number, user: string | null, kind: string, detail?: Record<string, unknown>, state?: string, outcome?: OutcomeRecord): Promise<void> {
    await inTransaction(this.db.k, async (trx) => {
      const now = Date.now();
      await addEvent(trx, id, user, kind, outcome ? { ...detail, outcome: outcome.code, note: outcome.note } : detail, now);
      if (state) {
        const ends = state === 'resolved' || state === 'closed';
        await trx.updateTable('alerts').set({ state, updated_at: now, ...(ends && { closed_at: now }) }).where('id', '=', id).execute();
      }
      if (outcome) {
        await trx.updateTable('alerts').set({ outcome: outcome.code, outcome_note: outcome.note, outcome_by: user, outcome_at: now }).where('id', '=', id)
          .execute();
      }
    });
  }

  async get(id: number): Promise<GroundRow | undefined> {
    return this.select(this.db.k).where('id', '=', id).executeTakeFirst();
  }

  async events(id: number): Promise<AlertEvent[]> {
    return (await this.eventsOf([id])).get(id) ?? [];
  }

  /** The events of these alerts, oldest first, in one query. */
  async eventsOf(ids: readonly number[]): Promise<Map<number, AlertEvent[]>> {
    const byAlert = new Map<number, AlertEvent[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return byAlert;
    const rows = await this.db.k.selectFrom('alert_events').select(['alert_id', 'time', 'user', 'kind', 'detail']).where('alert_id', 'in', [...ids])
      .orderBy('id').execute();
    for (const { alert_id, detail, ...e } of rows) byAlert.get(alert_id)?.push({ ...e, detail: detail ? JSON.parse(detail) as Record<string, unknown> : null });
    return byAlert;
  }

  private async withEvents(rows: GroundRow[]): Promise<IncidentRecord[]> {
    const events = await this.eventsOf(rows.map((r) => r.id));
    return rows.map((row) => ({ row, events: events.get(row.id)! }));
  }

  /**
   * Alerts still on the command room's desk, with their events: not finished, and those resolved
   * without an outcome (by a phone page from before outcomes), which stay until the dispatcher
   * closes them with one.
   */
  async open(): Promise<IncidentRecord[]> {
    const rows = await this.select(this.db.k)
      .where((eb) => eb.or([eb('state', 'not in', ['resolved', 'closed']), eb.and([eb('state', '=', 'resolved'), eb('outcome', 'is', null)])]))
      .orderBy('id')
      .execute();
    return this.withEvents(rows);
  }

  /**
   * The incident log's selection on a query of ground alerts: its filters, newest first, at most
   * `limit`. The log and its heat map share it, so the map shows exactly the incidents the list does.
   */
  private filtered<O>(query: SelectQueryBuilder<Database, 'alerts', O>, q: IncidentQuery): SelectQueryBuilder<Database, 'alerts', O> {
    if (q.from !== undefined) query = query.where('created_at', '>=', q.from);
    if (q.to !== undefined) query = query.where('created_at', '<=', q.to);
    if (q.category !== undefined) query = query.where('category', '=', q.category);
    if (q.outcome === 'none') query = query.where('outcome', 'is', null);
    else if (q.outcome !== undefined) query = query.where('outcome', '=', q.outcome);
    const officer = q.officer;
    if (officer !== undefined) {
      // A user's name is case-insensitive (as at login).
      // IN, not a correlated EXISTS: SQLite's planner uses the (kind, lower(user)) index only so (migration 012).
      query = query.where(
        'id',
        'in',
        (eb) => eb.selectFrom('alert_events as e').select('e.alert_id').where('e.kind', '=', 'accept').where(sql<boolean>`lower(e."user") = lower(${officer})`),
      );
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(Math.min(q.limit ?? 1000, MAX_ROWS));
  }

  /** The incident log: newest first, with every event of each incident listed. */
  async log(q: IncidentQuery): Promise<IncidentRecord[]> {
    return this.withEvents(await this.filtered(this.select(this.db.k), q).execute());
  }

  /**
   * Where each incident of the log's selection was, and nothing more: the heat map draws a week's
   * 10,000 incidents, and the log's answer would fetch and parse their 80,000 events for it.
   */
  async heat(q: IncidentQuery): Promise<HeatPoint[]> {
    return this.filtered(this.db.k.selectFrom('alerts').select(['lat', 'lon']).where('kind', '=', 'ground').$castTo<HeatPoint>(), q).execute();
  }

  /** History for review, newest first, with their events: by creation time and an optional bounding box. */
  async history(q: HistoryQuery): Promise<IncidentRecord[]> {
    let query = this.select(this.db.k);
    if (q.from !== undefined) query = query.where('created_at', '>=', q.from);
    if (q.to !== undefined) query = query.where('created_at', '<=', q.to);
    if (q.bbox) {
      const [w, s, e, n] = q.bbox;
      query = query.where('lon', '>=', w).where('lon', '<=', e).where('lat', '>=', s).where('lat', '<=', n);
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(Math.min(q.limit ?? 1000, MAX_ROWS)).execute();
    return this.withEvents(rows);
  }
}
