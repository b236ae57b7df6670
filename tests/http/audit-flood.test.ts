/**
 * The audit log cannot fill the disk (issue 13, item 7): refused requests are counted per address
 * instead of written one by one, stored paths are cut short, and old entries are pruned like
 * tracks. Real service, real database files; the aggregation window on a controllable clock.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { AuditLog, MAX_TARGET_CHARS } from '../../server/store/audit.ts';
import type { Db } from '../../server/store/connection.ts';
import { openStore } from '../../server/store/index.ts';
import { describeEachBackend } from '../helpers/backends.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();
const DAY = 24 * 3600_000;

/** Rows and stored bytes of the audit table. */
async function auditSize(db: Db): Promise<{ rows: number; bytes: number }> {
  const r = await sql<{ rows: number; bytes: number }>`SELECT COUNT(*) AS rows, COALESCE(SUM(8 + LENGTH(action) + LENGTH(result) + COALESCE(LENGTH("user"), 0)
    + COALESCE(LENGTH(target), 0) + COALESCE(LENGTH(detail), 0) + COALESCE(LENGTH(ip), 0)), 0) AS bytes FROM audit`.execute(db.k);
  return { rows: Number(r.rows[0]!.rows), bytes: Number(r.rows[0]!.bytes) };
}

const fileBytes = (file: string) => ['', '-wal'].reduce((n, ext) => n + (fs.existsSync(file + ext) ? fs.statSync(file + ext).size : 0), 0);

describe('a flood of unauthenticated requests with long paths', () => {
  it('500 requests with 15 KB paths add one small row, and each is still answered 401', async () => {
    const t = await testService();
    cleanup.push(() => t.close());
    const db = t.svc.store.db;
    const file = t.svc.store.where;
    const before = await auditSize(db);
    const beforeFile = fileBytes(file);
    const statuses = new Map<number, number>();
    const one = async (i: number) => {
      const r = await fetch(`${t.base}/api/vehicles/${String(i).padStart(4, '0')}${'x'.repeat(15 * 1024)}`);
      await r.arrayBuffer();
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    };
    for (let i = 0; i < 500; i += 25) await Promise.all(Array.from({ length: 25 }, (_, k) => one(i + k)));
    expect(Object.fromEntries(statuses)).toEqual({ 401: 500 });

    // An admin reading the log sees the count (reading writes the counts so far).
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const denied = (await t.api('GET', '/api/audit?action=access.denied', admin)).body as { target: string; detail: { count: number; targets: string[] } }[];
    expect(denied).toHaveLength(1);
    expect(denied[0]!.detail.count).toBe(500);
    expect(denied[0]!.target.length).toBeLessThanOrEqual(MAX_TARGET_CHARS + 1);
    expect(denied[0]!.detail.targets.length).toBeLessThanOrEqual(5);

    const after = await auditSize(db);
    const added = { rows: after.rows - before.rows, bytes: after.bytes - before.bytes };
    // The flood's row, and the admin's login.
    expect(added.rows).toBe(2);
    expect(added.bytes).toBeLessThan(4096);
    console.log(
      `500 requests with 15 KB paths: audit rows +${added.rows}, stored bytes +${added.bytes}, database file and WAL +${fileBytes(file) - beforeFile} bytes`,
    );
  });
});

describeEachBackend('aggregation of refusals (controllable clock)', (backend) => {
  async function log(maxOpenRows?: number) {
    const store = await backend.open();
    const db = store.db;
    const clock = { at: Date.parse('2025-05-01T08:00:00Z') };
    const audit = new AuditLog(db, store.journal, { refusalWindowMs: 60_000, maxOpenRows, now: () => clock.at });
    cleanup.push(() => audit.close());
    return { audit, clock, db, journal: store.journal };
  }
  const refuse = (audit: AuditLog, ip: string, target = 'GET /api/vehicles') =>
    audit.refused({ ip, action: 'access.denied', result: '401', target, detail: { reason: 'not logged in: no session' } });

  it('one row per address and window, counted; a new window is a new row', async () => {
    const { audit, clock } = await log();
    for (let i = 0; i < 100; i++) refuse(audit, '10.0.0.9', `GET /api/x${i}`);
    refuse(audit, '10.0.0.7');
    clock.at += 60_000;
    refuse(audit, '10.0.0.9');
    const rows = (await audit.query({ action: 'access.denied' })).reverse();
    expect(rows.map((r) => [r.ip, (r.detail as { count: number }).count])).toEqual([['10.0.0.9', 100], ['10.0.0.7', 1], ['10.0.0.9', 1]]);
    expect((rows[0]!.detail as { targets: string[] }).targets).toEqual(['GET /api/x0', 'GET /api/x1', 'GET /api/x2', 'GET /api/x3', 'GET /api/x4']);
    expect(rows[0]!.detail).toMatchObject({ reason: 'not logged in: no session' });
  });

  it("a signed-in user's refusals are counted per route they tried", async () => {
    const { audit } = await log();
    const forbid = (target: string) =>
      audit.refused({ ip: '10.0.0.9', user: 'li.wei', action: 'access.denied', result: '403', target, detail: { need: ['admin'] } });
    for (let i = 0; i < 3; i++) forbid('GET /api/audit');
    forbid('GET /api/users');
    const rows = (await audit.query({ action: 'access.denied' })).reverse();
    expect(rows.map((r) => [r.user, r.target, (r.detail as { count: number }).count])).toEqual([['li.wei', 'GET /api/audit', 3], [
      'li.wei',
      'GET /api/users',
      1,
    ]]);
  });

  it('a flood from many addresses is bounded too: beyond the limit in a window they share one row', async () => {
    const { audit, db, journal } = await log(20);
    for (let i = 0; i < 5000; i++) refuse(audit, `10.1.${i >> 8}.${i & 255}`);
    audit.flush();
    await journal.drained();
    expect((await auditSize(db)).rows).toBe(21);
    const shared = (await audit.query({ action: 'access.denied', limit: 1 }))[0]!;
    expect(shared).toMatchObject({ ip: '*', detail: { count: 4980 } });
  });

  it("counts reach the database without a query: at the window's end, and on close", async () => {
    const { audit, db, clock, journal } = await log();
    for (let i = 0; i < 7; i++) refuse(audit, '10.0.0.9');
    // Read straight from the table, not through query() (which writes the counts so far first).
    const stored = async () => {
      await journal.drained();
      const rows = await db.k.selectFrom('audit').select('detail').orderBy('id', 'desc').execute();
      return (JSON.parse(rows[0]!.detail!) as { count: number }).count;
    };
    expect(await stored()).toBe(1); // the first is written at once
    clock.at += 60_000;
    audit.flush(); // what the window's timer does
    expect(await stored()).toBe(7);
    refuse(audit, '10.0.0.9');
    refuse(audit, '10.0.0.9');
    audit.close();
    expect(await stored()).toBe(2);
  });

  it('other entries are written whole, each one; targets and oversized details are cut short', async () => {
    const { audit } = await log();
    for (let i = 0; i < 3; i++) audit.record({ user: 'li.wei', action: 'login', result: 'denied', detail: { reason: 'wrong password' }, ip: '10.0.0.9' });
    audit.record({ user: 'li.wei', action: 'vehicle.command', target: `sim-1${'x'.repeat(10_000)}`, result: 'refused', detail: { body: 'y'.repeat(20_000) } });
    const rows = await audit.query();
    expect(rows.filter((r) => r.action === 'login')).toHaveLength(3);
    const command = rows.find((r) => r.action === 'vehicle.command')!;
    expect(command.target).toHaveLength(MAX_TARGET_CHARS + 1);
    expect(JSON.stringify(command.detail).length).toBeLessThan(8200);
  });

  it('prune deletes entries older than the cut-off only', async () => {
    const { audit, clock } = await log();
    audit.record({ action: 'login', result: 'ok', user: 'old' });
    clock.at += 400 * DAY;
    audit.record({ action: 'login', result: 'ok', user: 'new' });
    expect(await audit.prune(clock.at - 365 * DAY)).toBe(1);
    expect((await audit.query()).map((r) => r.user)).toEqual(['new']);
  });
});

describe('retention', () => {
  it('the service prunes the audit log by age at start (auditDays), as it does tracks', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-audit-'));
    const store = await openStore(dataDir);
    for (const [ago, user] of [[40, 'forty days ago'], [20, 'twenty days ago']] as const) {
      await store.db.k.insertInto('audit').values({
        time: Date.now() - ago * DAY,
        user,
        action: 'login',
        result: 'ok',
        target: null,
        detail: null,
        ip: null,
        entry_key: null,
      })
        .execute();
    }
    await store.close();
    const t = await testService({ dataDir, auditDays: 30 });
    cleanup.push(() => t.close());
    // Housekeeping runs at start without holding it up: its pruning is seen shortly after.
    const users = await waitFor(
      'the old entry pruned',
      async () => {
        const u = (await t.svc.store.audit.query({ action: 'login' })).map((e) => e.user);
        return !u.includes('forty days ago') && u;
      },
      5000,
      50,
    );
    expect(users).toContain('twenty days ago');
  });

  it('auditDays is 365 unless the file says otherwise', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-audit-'));
    const file = path.join(dir, 'skybeat.config.json');
    fs.writeFileSync(file, '{}');
    const c = loadConfig(['--config', file], {});
    expect(c !== 'help' && c.auditDays).toBe(365);
    fs.writeFileSync(file, JSON.stringify({ auditDays: 90 }));
    const set = loadConfig(['--config', file], {});
    expect(set !== 'help' && set.auditDays).toBe(90);
  });
});
