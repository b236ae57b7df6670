import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { latestSchemaVersion, openDatabase } from '../../server/store/db.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-db-'));
const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

describe('database file', () => {
  it('migrates an empty file to the current schema, in WAL mode', () => {
    const file = path.join(tmp(), 'skybeat.db');
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual([
      'alert_events',
      'alerts',
      'audit',
      'cluster_commands',
      'cluster_leases',
      'cluster_stations',
      'drone_control',
      'drone_requests',
      'goto_events',
      'gotos',
      'journal_applied',
      'patrol_events',
      'patrol_runs',
      'sessions',
      'track_points',
      'user_roles',
      'users',
      'vehicles',
      'video_segments',
      'video_snapshots',
      'video_sources',
    ]);
    db.close();
    // Opening again applies nothing twice.
    const again = openDatabase(file);
    expect(again.pragma('user_version', { simple: true })).toBe(latestSchemaVersion());
    again.close();
  });

  it('brings a version 1 database up to date and keeps what it holds', () => {
    const file = path.join(tmp(), 'skybeat.db');
    const v1 = new Database(file);
    v1.exec(fs.readFileSync('server/store/migrations/001-initial.sql', 'utf8'));
    v1.pragma('user_version = 1');
    v1.prepare("INSERT INTO users (name, password_hash, created_at) VALUES ('li.wei', 'x', 1)").run();
    v1.close();
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion());
    expect(db.prepare('SELECT name FROM users').pluck().all()).toEqual(['li.wei']);
    expect(db.prepare('SELECT COUNT(*) FROM drone_control').pluck().get()).toBe(0);
    // Version 3: a run's outcome beside its result text.
    expect((db.prepare('PRAGMA table_info(patrol_runs)').all() as { name: string }[]).map((c) => c.name)).toContain('outcome');
    // Version 6: drones sent to the scene and the command room's requests for one.
    expect(db.prepare('SELECT COUNT(*) FROM gotos').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM drone_requests').pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a file from a newer SkyBeat and leaves it untouched', () => {
    const file = path.join(tmp(), 'skybeat.db');
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    const before = sha(file);
    expect(() => openDatabase(file)).toThrow(new RegExp(`schema version 99, newer than this SkyBeat knows \\(${latestSchemaVersion()}\\)`));
    expect(sha(file)).toBe(before);
  });

  it('refuses a file that is not a database, naming it, and does not overwrite it', () => {
    const file = path.join(tmp(), 'skybeat.db');
    fs.writeFileSync(file, 'this is a note somebody saved under the wrong name, not a database at all '.repeat(100));
    const before = sha(file);
    expect(() => openDatabase(file)).toThrow(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged or is not a SkyBeat database.*will not overwrite it`),
    );
    expect(sha(file)).toBe(before);
  });
});
