import type { Db } from './db.ts';
import type { ServerMessage } from '../wire/messages.ts';
import type { AircraftAlertView, AlertSeverity } from '../wire/types.ts';

interface AlertRow {
  id: number;
  kind: string;
  category: string;
  severity: AlertSeverity;
  vehicle_id: string | null;
  note: string | null;
  state: string;
  created_at: number;
  closed_at: number | null;
  acknowledged_by: string | null;
  /** the latest message as code and parameters (JSON), kept in its raised or updated event */
  said?: string | null;
}

/** Alerts and their lifecycle events. All alert SQL lives here. */
export class AlertStore {
  constructor(private readonly db: Db) {}

  private event(alertId: number, kind: string, user: string | null, detail?: unknown, time = Date.now()): void {
    this.db.prepare('INSERT INTO alert_events (alert_id, time, user, kind, detail) VALUES (?, ?, ?, ?, ?)')
      .run(alertId, time, user, kind, detail === undefined ? null : JSON.stringify(detail));
  }

  raiseAircraft(vehicleId: string, rule: string, severity: AlertSeverity, message: string, said?: ServerMessage): AircraftAlertView {
    return this.db.transaction(() => {
      const now = Date.now();
      const id = Number(
        this.db.prepare(`INSERT INTO alerts (kind, category, severity, vehicle_id, note, state, created_at, updated_at)
        VALUES ('aircraft', ?, ?, ?, ?, 'open', ?, ?)`).run(rule, severity, vehicleId, message, now, now).lastInsertRowid,
      );
      this.event(id, 'raised', null, { message, said }, now);
      return this.aircraft(id)!;
    })();
  }

  /**
   * Update the message and severity of a raised alert (e.g. the battery keeps falling). The code
   * and parameters go in an event, which the pages read to say it in their language.
   */
  updateAircraft(id: number, severity: AlertSeverity, message: string, said?: ServerMessage): void {
    this.db.transaction(() => {
      const now = Date.now();
      this.db.prepare('UPDATE alerts SET severity = ?, note = ?, updated_at = ? WHERE id = ?').run(severity, message, now, id);
      if (said) this.event(id, 'updated', null, { message, said }, now);
    })();
  }

  clearAircraft(id: number, reason: string): AircraftAlertView | undefined {
    return this.db.transaction(() => {
      const now = Date.now();
      this.db.prepare("UPDATE alerts SET state = 'cleared', closed_at = ?, updated_at = ? WHERE id = ? AND closed_at IS NULL").run(now, now, id);
      this.event(id, 'cleared', null, { reason }, now);
      return this.aircraft(id);
    })();
  }

  /** Undefined, writing nothing, when `id` is not an aircraft alert (unknown, or a ground alert's: both share the table). */
  acknowledge(id: number, user: string): AircraftAlertView | undefined {
    return this.db.transaction(() => {
      if (!this.aircraft(id)) return undefined;
      this.event(id, 'acknowledged', user);
      this.db.prepare('UPDATE alerts SET updated_at = ? WHERE id = ?').run(Date.now(), id);
      return this.aircraft(id);
    })();
  }

  private static readonly AIRCRAFT_SQL =
    `SELECT a.*, (SELECT user FROM alert_events e WHERE e.alert_id = a.id AND e.kind = 'acknowledged' ORDER BY e.id DESC LIMIT 1) AS acknowledged_by,
    (SELECT json_extract(e.detail, '$.said') FROM alert_events e WHERE e.alert_id = a.id AND e.kind IN ('raised', 'updated') ORDER BY e.id DESC LIMIT 1) AS said
    FROM alerts a WHERE a.kind = 'aircraft'`;

  private toView(r: AlertRow): AircraftAlertView {
    return {
      id: r.id,
      vehicleId: r.vehicle_id ?? '',
      rule: r.category,
      severity: r.severity,
      message: r.note ?? '',
      raisedAt: r.created_at,
      clearedAt: r.closed_at,
      acknowledgedBy: r.acknowledged_by,
      said: r.said ? JSON.parse(r.said) as ServerMessage : null,
    };
  }

  aircraft(id: number): AircraftAlertView | undefined {
    const r = this.db.prepare(`${AlertStore.AIRCRAFT_SQL} AND a.id = ?`).get(id) as AlertRow | undefined;
    return r && this.toView(r);
  }

  /** Alerts that still hold or were never acknowledged (what a pilot must still see). */
  openAircraft(): AircraftAlertView[] {
    return (this.db.prepare(`${AlertStore.AIRCRAFT_SQL} AND (a.closed_at IS NULL OR acknowledged_by IS NULL) ORDER BY a.id`).all() as AlertRow[])
      .map((r) => this.toView(r));
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
export interface AlertEvent {
  time: number;
  user: string | null;
  kind: string;
  detail: Record<string, unknown> | null;
}

const GROUND_COLUMNS = `id, category, priority, lat, lon, COALESCE(note, '') AS note, vehicle_id AS vehicleId, created_by AS createdBy,
  created_at AS createdAt, state, closed_at AS closedAt, outcome, outcome_note AS outcomeNote, outcome_by AS outcomeBy, outcome_at AS outcomeAt,
  incident_no AS number`;

/** Ground alerts: each change is one transaction of the row and its event, so history and state never disagree. */
export class GroundAlertStore {
  constructor(private readonly db: Db) {}

  /**
   * numberPrefix: what the station's incident numbers start with on the day of a moment (e.g.
   * "HF-20261202-"); the day's next count is taken in the row's own transaction, so two incidents
   * raised at once never share a number.
   */
  create(
    a: { category: string; priority: number; lat: number; lon: number; note: string; vehicleId: string | null; createdBy: string },
    numberPrefix: (at: number) => string,
  ): GroundRow {
    return this.db.transaction(() => {
      const now = Date.now();
      const number = this.nextNumber(numberPrefix(now));
      const id = Number(
        this.db.prepare(
          `INSERT INTO alerts (kind, category, severity, priority, lat, lon, vehicle_id, note, state, created_by, created_at, updated_at, incident_no)
        VALUES ('ground', @category, 'info', @priority, @lat, @lon, @vehicleId, @note, 'open', @createdBy, @now, @now, @number)`,
        ).run({ ...a, now, number }).lastInsertRowid,
      );
      this.addEvent(id, a.createdBy, 'created', { category: a.category }, now);
      return this.get(id)!;
    })();
  }

  /** The prefix and the day's next count, at least three digits (HF-20261202-003; a 1000th simply has four). */
  private nextNumber(prefix: string): string {
    const like = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const last = this.db.prepare(
      `SELECT MAX(CAST(substr(incident_no, ?) AS INTEGER)) AS n FROM alerts WHERE kind = 'ground' AND incident_no LIKE ? ESCAPE '\\'`,
    )
      .get(prefix.length + 1, like) as { n: number | null };
    return `${prefix}${String((last.n ?? 0) + 1).padStart(3, '0')}`;
  }

  /** Incidents recorded before numbers existed get theirs, by the day and in the order they were raised. Returns how many. */
  numberOld(numberPrefix: (at: number) => string): number {
    return this.db.transaction(() => {
      const old = this.db.prepare("SELECT id, created_at AS createdAt FROM alerts WHERE kind = 'ground' AND incident_no IS NULL ORDER BY created_at, id")
        .all() as { id: number; createdAt: number }[];
      const give = this.db.prepare('UPDATE alerts SET incident_no = ? WHERE id = ?');
      for (const r of old) give.run(this.nextNumber(numberPrefix(r.createdAt)), r.id);
      return old.length;
    })();
  }

  /**
   * Record an event and, if given, the alert's new state and how it ended, atomically. The outcome
   * goes into the event's detail too, so each one given stays in the incident's story.
   */
  record(id: number, user: string | null, kind: string, detail?: Record<string, unknown>, state?: string, outcome?: OutcomeRecord): void {
    this.db.transaction(() => {
      const now = Date.now();
      this.addEvent(id, user, kind, outcome ? { ...detail, outcome: outcome.code, note: outcome.note } : detail, now);
      if (state) {
        this.db.prepare("UPDATE alerts SET state = ?, updated_at = ?, closed_at = CASE WHEN ? IN ('resolved', 'closed') THEN ? ELSE closed_at END WHERE id = ?")
          .run(state, now, state, now, id);
      }
      if (outcome) {
        this.db.prepare('UPDATE alerts SET outcome = ?, outcome_note = ?, outcome_by = ?, outcome_at = ? WHERE id = ?').run(
          outcome.code,
          outcome.note,
          user,
          now,
          id,
        );
      }
    })();
  }

  private addEvent(id: number, user: string | null, kind: string, detail: unknown, time: number): void {
    this.db.prepare('INSERT INTO alert_events (alert_id, time, user, kind, detail) VALUES (?, ?, ?, ?, ?)')
      .run(id, time, user, kind, detail === undefined ? null : JSON.stringify(detail));
  }

  get(id: number): GroundRow | undefined {
    return this.db.prepare(`SELECT ${GROUND_COLUMNS} FROM alerts WHERE kind = 'ground' AND id = ?`).get(id) as GroundRow | undefined;
  }

  events(id: number): AlertEvent[] {
    return (this.db.prepare('SELECT time, user, kind, detail FROM alert_events WHERE alert_id = ? ORDER BY id').all(
      id,
    ) as (Omit<AlertEvent, 'detail'> & { detail: string | null })[])
      .map((e) => ({ ...e, detail: e.detail ? JSON.parse(e.detail) : null }));
  }

  /**
   * Alerts still on the command room's desk: not finished, and those resolved without an outcome
   * (by a phone page from before outcomes), which stay until the dispatcher closes them with one.
   */
  open(): GroundRow[] {
    return this.db.prepare(`SELECT ${GROUND_COLUMNS} FROM alerts WHERE kind = 'ground'
      AND (state NOT IN ('resolved', 'closed') OR (state = 'resolved' AND outcome IS NULL)) ORDER BY id`).all() as GroundRow[];
  }

  /** The incident log: newest first, with every event of each incident listed (one query for all of them). */
  log(q: IncidentQuery): { row: GroundRow; events: AlertEvent[] }[] {
    const where = ["kind = 'ground'"];
    const args: (number | string)[] = [];
    if (q.from !== undefined) {
      where.push('created_at >= ?');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('created_at <= ?');
      args.push(q.to);
    }
    if (q.category !== undefined) {
      where.push('category = ?');
      args.push(q.category);
    }
    if (q.outcome === 'none') where.push('outcome IS NULL');
    else if (q.outcome !== undefined) {
      where.push('outcome = ?');
      args.push(q.outcome);
    }
    if (q.officer !== undefined) {
      where.push("EXISTS (SELECT 1 FROM alert_events e WHERE e.alert_id = alerts.id AND e.kind = 'accept' AND e.user = ? COLLATE NOCASE)");
      args.push(q.officer);
    }
    const rows = this.db.prepare(`SELECT ${GROUND_COLUMNS} FROM alerts WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`)
      .all(...args, Math.min(q.limit ?? 1000, 10_000)) as GroundRow[];
    const byAlert = new Map<number, AlertEvent[]>(rows.map((r) => [r.id, []]));
    const events = this.db.prepare(`SELECT alert_id AS alertId, time, user, kind, detail FROM alert_events
      WHERE alert_id IN (SELECT value FROM json_each(?)) ORDER BY id`).all(
      JSON.stringify(rows.map((r) => r.id)),
    ) as (Omit<AlertEvent, 'detail'> & { alertId: number; detail: string | null })[];
    for (const { alertId, detail, ...e } of events) byAlert.get(alertId)?.push({ ...e, detail: detail ? JSON.parse(detail) : null });
    return rows.map((row) => ({ row, events: byAlert.get(row.id)! }));
  }

  /** History for review and heat maps: by creation time and an optional bounding box. */
  history(q: { from?: number; to?: number; bbox?: [number, number, number, number]; limit?: number }): GroundRow[] {
    const where = ["kind = 'ground'"];
    const args: number[] = [];
    if (q.from !== undefined) {
      where.push('created_at >= ?');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('created_at <= ?');
      args.push(q.to);
    }
    if (q.bbox) {
      const [w, s, e, n] = q.bbox;
      where.push('lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?');
      args.push(w, e, s, n);
    }
    return this.db.prepare(`SELECT ${GROUND_COLUMNS} FROM alerts WHERE ${where.join(' AND ')} ORDER BY created_at DESC LIMIT ?`)
      .all(...args, Math.min(q.limit ?? 1000, 10_000)) as GroundRow[];
  }
}
