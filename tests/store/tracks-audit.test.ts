/**
 * Track points and the audit trail, on SQLite and on PostgreSQL: both written without waiting
 * (write-journal.ts), both read back as written. On PostgreSQL track points live in a partition per
 * UTC day, and keeping N days drops whole days.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openStore } from '../../server/store/index.ts';
import type { TrackPoint } from '../../server/wire/types.ts';
import { describeEachBackend } from '../helpers/backends.ts';

const DAY = 24 * 3600_000;
const T0 = Date.UTC(2026, 11, 1, 22, 0, 0); // 1 Dec 2026, 22:00 UTC: a patrol over midnight crosses into 2 Dec
const point = (vehicleId: string, time: number, o: Partial<TrackPoint> = {}): TrackPoint => ({
  vehicleId,
  time,
  lat: 28.37,
  lon: 121.38,
  altMsl: 40,
  altRel: 30,
  heading: 90,
  speed: 5,
  battery: 80,
  mode: 'AUTO',
  armed: true,
  ...o,
});
const seen = (id: string) => ({ id, sysid: 1, linkUri: 'udpin://0.0.0.0:14550', autopilot: 'ardupilotmega', type: 'quadrotor' });

describeEachBackend('tracks', (backend) => {
  it('records a second of the fleet at a time and reads a drone’s track, a run’s figures from it and the drones seen', async () => {
    const store = await backend.open();
    store.tracks.record([point('l1-1', T0), point('l1-2', T0, { altRel: 12 })], [seen('l1-1'), seen('l1-2')], T0);
    store.tracks.record([point('l1-1', T0 + 1000, { altRel: 55, battery: 71 }), point('l1-1', T0 + 2000, { armed: false })], [seen('l1-1')], T0 + 2000);
    store.tracks.record([], [seen('l1-1')], T0 + 61_000); // an unchanged drone's last_seen: once a minute
    const track = await store.tracks.track('l1-1', T0, T0 + 2000);
    expect(track.map((p) => [p.time, p.altRel, p.armed])).toEqual([[T0, 30, true], [T0 + 1000, 55, true], [T0 + 2000, 30, false]]);
    expect(track[0]).toEqual(point('l1-1', T0));
    expect(await store.runs.trackFigures([{ id: 1, vehicleId: 'l1-1', from: T0, to: T0 + 2000 }, { id: 2, vehicleId: 'l1-9', from: T0, to: T0 + 2000 }]))
      .toEqual(new Map([[1, { maxAltM: 55, minBattery: 71 }]]));
    const vehicles = await store.tracks.vehicles();
    expect(vehicles.map((v) => [v.id, v.firstSeen, v.lastSeen])).toEqual([['l1-1', T0, T0 + 61_000], ['l1-2', T0, T0]]);
    // A drone heard on another link is written at once.
    store.tracks.record([], [{ ...seen('l1-2'), linkUri: 'tcpout://10.0.0.2:5760' }], T0 + 62_000);
    expect((await store.tracks.vehicles()).find((v) => v.id === 'l1-2')).toMatchObject({ linkUri: 'tcpout://10.0.0.2:5760', lastSeen: T0 + 62_000 });
  });

  it('two servers writing the first points of a day at once both keep theirs (the day is made once)', async () => {
    const url = backend.url();
    const [a, b] = [
      await openStore(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-a-')), url),
      await openStore(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-b-')), url),
    ];
    try {
      for (let i = 0; i < 5; i++) {
        const t = T0 + (i + 1) * DAY; // a new day each round, for both at once
        a.tracks.record([point('l1-1', t)], [seen('l1-1')], t);
        b.tracks.record([point('l2-1', t)], [seen('l2-1')], t);
        await Promise.all([a.journal.drained(), b.journal.drained()]);
      }
      expect(a.journal.state().refused + b.journal.state().refused).toBe(0);
      expect(await a.tracks.track('l1-1', 0, Number.MAX_SAFE_INTEGER)).toHaveLength(5);
      expect(await a.tracks.track('l2-1', 0, Number.MAX_SAFE_INTEGER)).toHaveLength(5);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps N days: older points go, newer stay, across midnight', async () => {
    const store = await backend.open();
    const times = [T0 - DAY, T0, T0 + 3 * 3600_000, T0 + DAY]; // 30 Nov, 1 Dec 22:00, 2 Dec 01:00, 2 Dec 22:00
    for (const t of times) store.tracks.record([point('l1-1', t)], [seen('l1-1')], t);
    const cut = Date.UTC(2026, 11, 1, 23, 0, 0); // keep from 1 Dec 23:00
    expect(await store.tracks.prune(cut)).toBe(2);
    expect((await store.tracks.track('l1-1', 0, Number.MAX_SAFE_INTEGER)).map((p) => p.time)).toEqual([T0 + 3 * 3600_000, T0 + DAY]);
    if (store.db.dialect === 'postgres') {
      // 30 Nov's partition is dropped whole; 1 Dec's ends after the cut: it stays, its 22:00 point deleted.
      const parts = (await sql<{ name: string }>`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'track_points' AND c.relnamespace = to_regnamespace(current_schema())::oid ORDER BY 1`.execute(
        store.db.k,
      )).rows;
      expect(parts.map((p) => p.name)).toEqual(['track_points_20261201', 'track_points_20261202']);
    }
  });
});

describeEachBackend('audit', (backend) => {
  it('records who did what and reads it back newest first, filtered', async () => {
    const store = await backend.open();
    store.audit.record({ user: 'li.wei', action: 'login', result: 'ok', ip: '10.0.0.5' });
    store.audit.record({ user: 'li.wei', action: 'vehicle.command', target: 'l1-1', result: 'accepted', detail: { command: 'rtl' } });
    store.audit.record({ user: 'wang', action: 'login', result: 'denied' });
    const all = await store.audit.query();
    expect(all.map((e) => [e.user, e.action, e.result])).toEqual([['wang', 'login', 'denied'], ['li.wei', 'vehicle.command', 'accepted'], [
      'li.wei',
      'login',
      'ok',
    ]]);
    expect(all[1]).toMatchObject({ target: 'l1-1', detail: { command: 'rtl' }, ip: null });
    expect((await store.audit.query({ user: 'li.wei', action: 'login' })).map((e) => e.ip)).toEqual(['10.0.0.5']);
    expect(await store.audit.query({ limit: 1 })).toHaveLength(1);
  });

  it('counts a flood of refusals from one address on one row', async () => {
    const store = await backend.open();
    for (let i = 0; i < 50; i++) store.audit.refused({ ip: '203.0.113.9', action: 'access.denied', result: 'no session', target: `/api/x${i}` });
    const rows = await store.audit.query({ action: 'access.denied' });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.detail).toMatchObject({ count: 50, targets: ['/api/x0', '/api/x1', '/api/x2', '/api/x3', '/api/x4'] });
  });

  it('forgets entries older than the kept period', async () => {
    const store = await backend.open();
    store.audit.record({ action: 'old', result: 'ok' });
    const cut = Date.now() + 1;
    expect(await store.audit.prune(cut)).toBe(1);
    expect(await store.audit.query()).toEqual([]);
  });
});
