/**
 * The journal that stands between the service and PostgreSQL for audit entries and track points
 * (server/store/write-journal.ts), against this machine's real PostgreSQL through a relay the test
 * cuts: what is written while the database is away waits on disk, and reaches the database in
 * order, once, when it answers again, including after the service was killed. Retries run on a
 * fake clock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { dropSchema, openDb, type Db } from '../../server/store/connection.ts';
import { PostgresJournal } from '../../server/store/write-journal.ts';
import { describeEachBackend, POSTGRES_URL } from '../helpers/backends.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { waitFor } from '../helpers/wait.ts';
import { tcpCut } from '../helpers/tcp-cut.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** A PostgreSQL store reached through a relay that can be cut, with a journal on a fake clock. */
async function rig(backendUrl: string, o: { maxBytes?: number; file?: string } = {}) {
  const relay = await tcpCut({ host: new URL(POSTGRES_URL).hostname, port: Number(new URL(POSTGRES_URL).port || 5432) });
  const url = new URL(backendUrl);
  url.port = String(relay.port);
  const db = await openDb(url.toString());
  const fc = fakeClock();
  const file = o.file ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-journal-')), 'store-journal.jsonl');
  const changes: { failing: boolean; filling: boolean }[] = [];
  const journal = new PostgresJournal(db.k, {
    file,
    clock: fc.clock,
    ...(o.maxBytes !== undefined && { maxBytes: o.maxBytes }),
    onChange: (s) => changes.push({ failing: s.failingSince !== null, filling: s.filling }),
  });
  cleanups.push(() => dropSchema(backendUrl), () => relay.close(), () => db.close(), () => journal.close()); // run in reverse
  const audit = (action: string) =>
    journal.write([
      db.k.insertInto('audit').values({ time: 1, action, result: 'ok', user: null, target: null, detail: null, ip: null, entry_key: null }).compile(),
    ], 'kept');
  const actions = async (d: Db = db) => (await d.k.selectFrom('audit').select('action').orderBy('id').execute()).map((r) => r.action);
  return { relay, db, fc, file, journal, changes, audit, actions };
}

const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;

describeEachBackend('the write journal', (backend) => {
  if (backend.name === 'SQLite') {
    it('is not used on SQLite: the file is on this machine, and writes go straight in (see SqliteWriter)', async () => {
      const store = await backend.open();
      store.audit.record({ action: 'login', result: 'ok' });
      // No waiting: the entry is in the file the moment record() returns.
      expect(store.db.sqlite!.prepare('SELECT action FROM audit').pluck().all()).toEqual(['login']);
      expect(store.journal.state()).toMatchObject({ pending: 0, failingSince: null });
    });

    it('a write made while the store’s own transaction is open waits for it, and survives its rollback', async () => {
      const store = await backend.open();
      const failed = store.db.k.transaction().execute(async (trx) => {
        await trx.insertInto('vehicles').values({ id: 'x', sysid: 1, link_uri: 'u', autopilot: 'a', type: 't', callsign: null, first_seen: 1, last_seen: 1 })
          .execute();
        store.audit.record({ action: 'during', result: 'ok' }); // another request's, between two statements of this one
        expect(store.journal.state().pending).toBe(1);
        await trx.insertInto('vehicles').values({ id: 'x', sysid: 1, link_uri: 'u', autopilot: 'a', type: 't', callsign: null, first_seen: 1, last_seen: 1 })
          .execute();
      });
      await expect(failed).rejects.toThrow(/UNIQUE/);
      await store.journal.drained();
      expect(store.db.sqlite!.prepare('SELECT action FROM audit').pluck().all()).toEqual(['during']);
      expect(store.db.sqlite!.prepare('SELECT COUNT(*) FROM vehicles').pluck().get()).toBe(0);
    });
    return;
  }

  it('applies writes in order, then empties its file', async () => {
    const r = await rig(backend.url());
    for (const a of ['a', 'b', 'c']) r.audit(a);
    expect(lines(r.file)).toBeGreaterThan(0); // on disk before write() returned
    await r.journal.drained();
    expect(await r.actions()).toEqual(['a', 'b', 'c']);
    expect(fs.statSync(r.file).size).toBe(0);
    expect(r.journal.state()).toMatchObject({ pending: 0, failingSince: null });
  });

  it('keeps what is written while the database is away, and writes it in order, once, when it is back', async () => {
    const r = await rig(backend.url());
    r.audit('before');
    await r.journal.drained();
    r.relay.cut();
    for (const a of ['away-1', 'away-2', 'away-3']) r.audit(a);
    await r.journal.flush(); // the first try fails
    const away = r.journal.state();
    expect(away.failingSince).not.toBeNull();
    expect(away.pending).toBe(3);
    expect(away.error).toBeTruthy();
    expect(lines(r.file)).toBe(3);
    expect(r.changes.at(-1)).toEqual({ failing: true, filling: false });
    // A reader does not wait on a database that is away: one more try, and it goes on.
    const before = r.relay.accepted();
    await r.journal.drained();
    expect(r.relay.accepted()).toBeGreaterThan(before);
    // Tries again on the (fake) clock: 250 ms after the first failure, then 500 ms, 1 s, … up to 5 s:
    // here the wait after the second failure, 500 ms.
    const tries = r.relay.accepted();
    await r.fc.advance(499);
    await new Promise((resolve) => setTimeout(resolve, 100)); // real time for a connection, were one tried
    expect(r.relay.accepted()).toBe(tries);
    await r.fc.advance(1);
    await waitFor('a timed try', () => r.relay.accepted() > tries, 5000, 10);
    await r.journal.flush();
    expect(r.journal.state().pending).toBe(3);
    r.audit('away-4');
    r.relay.mend();
    await r.fc.advance(5000);
    await r.journal.flush();
    await r.journal.drained();
    expect(r.journal.state()).toMatchObject({ pending: 0, failingSince: null, error: null });
    expect(r.changes.at(-1)).toEqual({ failing: false, filling: false });
    expect(await r.actions()).toEqual(['before', 'away-1', 'away-2', 'away-3', 'away-4']);
    expect(fs.statSync(r.file).size).toBe(0);
  });

  it('after a kill, the next start writes what the file holds, skipping what was already applied and a torn last line', async () => {
    const r = await rig(backend.url());
    r.relay.cut();
    for (const a of ['x', 'y', 'z']) r.audit(a);
    await r.journal.flush();
    // As a kill -9 leaves it: three whole lines, and half of a fourth that was being written.
    const held = fs.readFileSync(r.file, 'utf8');
    const [first] = held.split('\n');
    // …and suppose the first had reached the database just before the kill, its answer lost.
    const key = (JSON.parse(first!) as { key: string }).key;
    r.relay.mend();
    await r.db.k.insertInto('journal_applied').values({ key, at: Date.now() }).execute();
    await r.db.k.insertInto('audit').values({ time: 1, action: 'x', result: 'ok', user: null, target: null, detail: null, ip: null, entry_key: null })
      .execute();
    const file2 = path.join(path.dirname(r.file), 'restarted.jsonl');
    fs.writeFileSync(file2, `${held}{"key":"torn","kind":"audit","quer`);

    const again = new PostgresJournal(r.db.k, { file: file2, clock: r.fc.clock });
    cleanups.push(() => again.close());
    expect(again.state().pending).toBe(3);
    await again.flush();
    await again.drained();
    expect(await r.actions()).toEqual(['x', 'y', 'z']);
    expect(fs.statSync(file2).size).toBe(0);
  });

  it('sets aside an entry the database refuses (not for being away) and writes those around it, in order', async () => {
    const r = await rig(backend.url());
    r.relay.cut(); // so that all four wait, and go as one batch
    r.audit('first');
    r.journal.write([r.db.k.insertInto('patrol_events').values({ run_id: 999_999, time: 1, kind: 'state', detail: null }).compile()], 'kept'); // no such run
    r.audit('third');
    await r.journal.flush();
    r.relay.mend();
    await r.fc.advance(5000);
    await r.journal.flush();
    await r.journal.drained();
    expect(await r.actions()).toEqual(['first', 'third']);
    expect(r.journal.state()).toMatchObject({ pending: 0, refused: 1 });
    const setAside = fs.readFileSync(`${r.file}.refused`, 'utf8').trim().split('\n').map((l) =>
      JSON.parse(l) as { reason: string; entry: { queries: { sql: string }[] } }
    );
    expect(setAside).toHaveLength(1);
    expect(setAside[0]!.reason).toMatch(/foreign key/);
    expect(setAside[0]!.entry.queries[0]!.sql).toMatch(/insert into "patrol_events"/);
  });

  it('is bounded: when full, track points are dropped and counted, audit entries still kept; it says when it is filling', async () => {
    const r = await rig(backend.url(), { maxBytes: 4000 });
    r.relay.cut();
    const point = (i: number) =>
      r.db.k.insertInto('track_points').values({
        vehicle_id: 'l1-1',
        time: i,
        lat: 28,
        lon: 121,
        alt_msl: null,
        alt_rel: null,
        heading: null,
        speed: null,
        battery: null,
        mode: null,
        armed: 0,
      })
        .compile();
    let kept = 0;
    for (let i = 0; i < 40; i++) if (r.journal.write([point(i)], 'tracks')) kept++;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(40);
    expect(r.journal.state()).toMatchObject({ dropped: 40 - kept, filling: true });
    expect(r.changes.some((c) => c.filling)).toBe(true);
    r.audit('kept even so');
    expect(r.journal.state().pending).toBe(kept + 1);
    expect(r.journal.state().bytes).toBeGreaterThan(4000);
  });
});
