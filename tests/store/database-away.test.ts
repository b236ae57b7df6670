/**
 * PostgreSQL goes away in the middle of a patrol (every connection cut and refused, as a restart or
 * a lost network does), for 15 s, with the real service and a simulated copter over real sockets.
 * Flight does not depend on it: telemetry and the map go on, the pilot's return home is sent and
 * confirmed from telemetry, and the health page says the store is away. What needs the database
 * (logging in, launching, editing users) is refused with 503 and the reason. When it answers again
 * the audit entries and track points of the outage are written, in order, once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../server/store/audit.ts';
import { dropSchema } from '../../server/store/connection.ts';
import type { HealthView, VehicleView } from '../../server/wire/types.ts';
import { postgresAnswers, POSTGRES_URL, postgresSchemaUrl } from '../helpers/backends.ts';
import { tcpCut } from '../helpers/tcp-cut.ts';
import { waitFor } from '../helpers/wait.ts';
import { patrolRig } from '../patrols/rig.ts';

const OUTAGE_MS = 15_000;

// A SQLite file on this machine does not go away: PostgreSQL only.
describe.skipIf(!postgresAnswers)(
  `the database goes away during a patrol [PostgreSQL${postgresAnswers ? '' : `: skipped, PostgreSQL does not answer at ${POSTGRES_URL}`}]`,
  () => {
    const closers: (() => Promise<unknown>)[] = [];
    afterAll(async () => {
      for (const c of closers.reverse()) await c().catch(() => {});
    });

    it('flight goes on, return home works, what needs the database is refused with 503, and nothing is lost or doubled', async () => {
      const pg = new URL(POSTGRES_URL);
      const relay = await tcpCut({ host: pg.hostname, port: Number(pg.port || 5432) });
      closers.push(() => relay.close());
      const schemaUrl = postgresSchemaUrl();
      closers.push(() => dropSchema(schemaUrl));
      const url = new URL(schemaUrl);
      url.port = String(relay.port);
      const rig = await patrolRig({ database: url.toString() });
      closers.push(() => rig.close());
      const { t, vid } = rig;
      const admin = await t.login('admin', 'admin-test-password');
      const runId = await rig.onFirstLeg();
      const health = async () => (await t.api('GET', '/api/health')).body as HealthView;
      expect((await health()).store).toMatchObject({ database: 'postgres', state: 'ok' });

      const cutAt = Date.now();
      relay.cut();
      await waitFor('the health page to say the store is away', async () => (await health()).store.state === 'away', 10_000, 100);
      expect((await health()).status).toBe('degraded');

      // The map goes on: the drone's position still changes, live, on a socket.
      const socket = t.socket(rig.pilot);
      const positions: string[] = [];
      socket.on('vehicles:update', (vs: VehicleView[]) => {
        const v = vs.find((x) => x.id === vid);
        if (v?.position) positions.push(`${v.position.lat},${v.position.lon}`);
      });
      await waitFor('live positions while the store is away', () => new Set(positions).size >= 3, 10_000, 100);

      // What needs the database is refused, saying why, in both languages' terms.
      const login = await t.api('POST', '/api/login', undefined, { username: 'admin', password: 'admin-test-password' });
      expect(login.status).toBe(503);
      expect(login.body.said.code).toBe('store_unavailable');
      expect(login.body.error).toMatch(/the database does not answer .*Flying drones, return and land are not affected/);
      expect((await t.api('POST', '/api/users', admin, { name: 'new.one', password: 'a-long-password-1', roles: ['pilot'] })).status).toBe(503);

      // The pilot's return home: sent, and confirmed from telemetry.
      const rtl = await rig.command('rtl');
      expect(rtl.status, JSON.stringify(rtl.body)).toBe(200);
      await waitFor('the drone to return (RTL from telemetry)', () => t.svc.fleet.get(vid)?.mode === 'RTL' && true, 20_000, 100);

      const left = OUTAGE_MS - (Date.now() - cutAt);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      const mendAt = Date.now();
      relay.mend();
      await waitFor('the store to answer again', async () => (await health()).store.state === 'ok', 15_000, 200);
      await t.svc.store.journal.drained();
      expect((await health()).store.pending).toBe(0);

      // The audit trail holds the return home sent while the store was away, once, after the launch.
      const audit = (await t.svc.store.audit.query({ limit: 500 })).reverse();
      const rtlEntries = audit.filter((e: AuditEntry) => e.action === 'vehicle.command' && JSON.stringify(e.detail).includes('rtl'));
      expect(rtlEntries).toHaveLength(1);
      expect(rtlEntries[0]!.time).toBeGreaterThan(cutAt);
      expect(rtlEntries[0]!.time).toBeLessThan(mendAt);
      const launch = audit.findIndex((e) => e.action === 'patrol.launch');
      expect(launch).toBeGreaterThanOrEqual(0);
      expect(audit.indexOf(rtlEntries[0]!)).toBeGreaterThan(launch);
      expect(audit.map((e) => e.id)).toEqual([...audit.map((e) => e.id)].sort((a, b) => a - b));

      // Track points: every second of the outage, once.
      const track = await t.svc.store.tracks.track(vid, cutAt - 5000, mendAt + 2000);
      const times = track.map((p) => p.time);
      expect(new Set(times).size).toBe(times.length);
      const gaps = times.slice(1).map((x, i) => x - times[i]!);
      expect(Math.max(...gaps)).toBeLessThan(2500);
      expect(times[0]!).toBeLessThan(cutAt);
      expect(times.at(-1)!).toBeGreaterThan(mendAt);

      // The run goes on being recorded: it ends landed, its return in its events.
      const landed = await rig.until(runId, 'landed', (r) => r.state === 'landed', 120_000);
      const commands = landed.events.filter((e) => e.kind === 'command' && e.time > cutAt && e.time < mendAt);
      expect(commands.map((e) => e.message).join(' | ')).toMatch(/rtl/i);
    }, 300_000);
  },
);
