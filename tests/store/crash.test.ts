import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { spawnService } from '../helpers/process.ts';
import { scriptedPeer } from '../helpers/peer.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { dropSchema } from '../../server/store/connection.ts';
import { postgresAnswers, POSTGRES_URL, postgresSchemaUrl } from '../helpers/backends.ts';
import pg from 'pg';

const cleanup = cleanupAfterEach();

async function freeUdpPort(): Promise<number> {
  const dgram = await import('node:dgram');
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const api = async (port: number, method: string, url: string, token?: string, body?: unknown) => {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() as any };
};

/** The service started, a drone heard on its link, and an account added through the API (a user and an audit entry to lose). */
async function startWithPilot(args: string[], env: Record<string, string>, udp: number) {
  const first = spawnService(args, env);
  cleanup.push(() => first.child.kill('SIGKILL'));
  const port = await first.port();
  const drone = await scriptedPeer(`udpout://127.0.0.1:${udp}`, 4);
  cleanup.push(() => drone.close());
  const admin = (await api(port, 'POST', '/api/login', undefined, { username: 'admin', password: 'first-admin-pw' })).body.token;
  expect((await api(port, 'POST', '/api/users', admin, { name: 'pilot9', password: 'pilot9-password', roles: ['pilot'] })).status).toBe(201);
  return first;
}

describe('crash safety', () => {
  it('kill -9 and restart lose no user or audit entry, and the track reaches to the last second', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-crash-'));
    const udp = await freeUdpPort();
    const args = ['--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--link', `udpin://127.0.0.1:${udp}`, '--no-tlog'];
    const env = { SKYBEAT_ADMIN_PASSWORD: 'first-admin-pw' };
    const first = await startWithPilot(args, env, udp);

    const db = new Database(path.join(dataDir, 'skybeat.db'), { readonly: true });
    cleanup.push(() => db.close());
    const lastPoint = () => (db.prepare('SELECT MAX(time) AS t, COUNT(*) AS n FROM track_points').get() as { t: number | null; n: number });
    await waitFor('three track points', () => lastPoint().n >= 3, 10_000);

    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull(); // killed by the signal, no exit code of its own

    const afterKill = lastPoint();
    // The track is written once a second: what was recorded reaches to within ~a second of the kill.
    expect(killedAt - afterKill.t!).toBeLessThan(2500);

    const second = spawnService(args, env);
    cleanup.push(() => second.child.kill('SIGKILL'));
    const port2 = await second.port();
    expect(second.output()).not.toMatch(/Created the first account/);
    const pilot = await api(port2, 'POST', '/api/login', undefined, { username: 'pilot9', password: 'pilot9-password' });
    expect(pilot.status).toBe(200);
    const admin2 = (await api(port2, 'POST', '/api/login', undefined, { username: 'admin', password: 'first-admin-pw' })).body.token;
    const audit = (await api(port2, 'GET', '/api/audit', admin2)).body as { action: string; target: string | null; user: string | null }[];
    expect(audit.some((e) => e.action === 'user.add' && e.target === 'pilot9' && e.user === 'admin')).toBe(true);
    // The drone is picked up again and its track goes on.
    await waitFor('track resumes', () => lastPoint().t! > killedAt, 10_000);
  });

  it('a damaged database stops the start with a clear message and exit code 1', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-bad-'));
    fs.writeFileSync(path.join(dataDir, 'skybeat.db'), Buffer.alloc(8192, 0x41));
    const svc = spawnService(['--data', dataDir, '--port', '0', '--no-tlog']);
    expect(await svc.exited).toBe(1);
    expect(svc.output()).toMatch(/skybeat: .*skybeat\.db is damaged or is not a SkyBeat database/);
  });
});

describe.skipIf(!postgresAnswers)(`crash safety on PostgreSQL${postgresAnswers ? '' : ` [skipped: PostgreSQL does not answer at ${POSTGRES_URL}]`}`, () => {
  it('kill -9 and restart lose no user, audit entry or track point the journal took, and write none twice', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-crash-pg-'));
    const url = postgresSchemaUrl();
    cleanup.push(() => dropSchema(url));
    const udp = await freeUdpPort();
    const args = ['--data', dataDir, '--database', url, '--port', '0', '--host', '127.0.0.1', '--link', `udpin://127.0.0.1:${udp}`, '--no-tlog'];
    const env = { SKYBEAT_ADMIN_PASSWORD: 'first-admin-pw' };
    const first = await startWithPilot(args, env, udp);

    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    cleanup.push(() => client.end());
    const schema = new URL(url).searchParams.get('schema')!;
    const points = async () =>
      (await client.query<{ t: string | null; n: string; distinct_n: string }>(
        `SELECT MAX(time) AS t, COUNT(*) AS n, COUNT(DISTINCT (vehicle_id, time)) AS distinct_n FROM ${schema}.track_points`,
      )).rows[0]!;
    await waitFor('three track points', async () => Number((await points()).n) >= 3, 10_000);

    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    // What the journal held at the kill (synced before each write went on) is written at the next start.
    const journal = path.join(dataDir, 'store-journal.jsonl');
    const held = fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).length : 0;

    const second = spawnService(args, env);
    cleanup.push(() => second.child.kill('SIGKILL'));
    const port2 = await second.port();
    expect(second.output()).not.toMatch(/Created the first account/);
    expect((await api(port2, 'POST', '/api/login', undefined, { username: 'pilot9', password: 'pilot9-password' })).status).toBe(200);
    const admin2 = (await api(port2, 'POST', '/api/login', undefined, { username: 'admin', password: 'first-admin-pw' })).body.token;
    const audit = (await api(port2, 'GET', '/api/audit', admin2)).body as { action: string; target: string | null; user: string | null }[];
    expect(audit.some((e) => e.action === 'user.add' && e.target === 'pilot9' && e.user === 'admin')).toBe(true);
    // The track reaches to within ~a second of the kill, each point once; then goes on.
    await waitFor('the track to reach the kill', async () => killedAt - Number((await points()).t) < 2500, 10_000);
    await waitFor('track resumes', async () => Number((await points()).t) > killedAt, 10_000);
    const after = await points();
    expect(after.distinct_n).toBe(after.n);
    console.log(`PostgreSQL kill -9: ${held} journal entries held at the kill, written at the restart; ${after.n} track points, none twice`);
  });
});
