import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { dropSchema } from '../../server/store/connection.ts';
import { openStore } from '../../server/store/index.ts';
import { postgresAnswers, postgresSchemaUrl } from '../helpers/backends.ts';
import { spawnService } from '../helpers/process.ts';
import { REPO } from '../helpers/shared.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const cleanup = cleanupAfterEach();

const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** `npm run NAME -- ARGS`, exactly as package.json has it, minus npm; `env` added to this process's. */
function npmRunIn(env: Record<string, string>, name: 'backup' | 'restore', ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const [node, ...script] = pkg.scripts[name]!.split(' ');
  expect(node).toBe('node');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...script, ...args],
      { cwd: REPO, env: { ...process.env, ...env } },
      (error, out, err) => resolve({ code: error ? Number(error.code) : 0, out, err }),
    );
  });
}
const npmRun = (name: 'backup' | 'restore', ...args: string[]) => npmRunIn({}, name, ...args);

const PASSWORD = 'backup-test-password';

async function start(dataDir: string, missionsDir: string) {
  const svc = spawnService(['--data', dataDir, '--missions', missionsDir, '--port', '0', '--host', '127.0.0.1', '--sim', '0', '--no-tlog', '--tiles', 'none'], {
    SKYBEAT_ADMIN_PASSWORD: PASSWORD,
  });
  cleanup.push(() => svc.child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${await svc.port()}`;
  const call = async (method: string, url: string, token?: string, body?: unknown) => {
    const res = await fetch(base + url, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() as any };
  };
  const token = (await call('POST', '/api/login', undefined, { username: 'admin', password: PASSWORD })).body.token as string;
  const api = (method: string, url: string, body?: unknown) => call(method, url, token, body);
  const stop = async () => {
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
  };
  const crash = async () => {
    svc.child.kill('SIGKILL');
    await svc.exited;
  };
  return { api, stop, crash };
}

/** A user, a ground alert and a patrol route, each named after the moment they were made. */
async function makeRecords(api: (method: string, url: string, body?: unknown) => Promise<{ status: number }>, tag: string) {
  expect((await api('POST', '/api/users', { name: `${tag}.user`, password: `${tag}-password-1`, roles: ['pilot'] })).status).toBe(201);
  expect((await api('POST', '/api/alerts', { category: 'theft', lat: 28.371, lon: 121.381, note: `${tag} backup` })).status).toBe(201);
  const plan = fs.readFileSync(path.join(REPO, 'missions', 'riverside.plan'), 'utf8');
  expect((await api('POST', '/api/routes', { fileName: `${tag}.plan`, content: plan })).status).toBe(201);
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-backup-'));

describe('backup and restore', () => {
  it('backs up the live database while the service runs and restores it once stopped, keeping the replaced one whole', async () => {
    const dataDir = tmp();
    const missionsDir = tmp();
    const backup = path.join(tmp(), 'skybeat-backup.db');
    const db = path.join(dataDir, 'skybeat.db');

    const first = await start(dataDir, missionsDir);
    await makeRecords(first.api, 'before');
    const made = await npmRun('backup', backup, '--data', dataDir);
    expect(made.err).toBe('');
    expect(made).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^backed up .*skybeat\.db to .*skybeat-backup\.db \([\d.]+ MB, schema version \d+\)\n$/),
    });
    // One self-contained file: no WAL flag, nothing beside it.
    expect(fs.readdirSync(path.dirname(backup))).toEqual(['skybeat-backup.db']);
    const copy = new Database(backup, { readonly: true });
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    copy.close();
    await makeRecords(first.api, 'after');

    const refused = await npmRun('restore', backup, '--data', dataDir);
    expect(refused).toMatchObject({ code: 1, out: '' });
    expect(refused.err).toBe(`restore: ${db} is in use: stop the SkyBeat service (and any running \`npm run users\`) first, then restore\n`);
    // Killed, not stopped: the last changes are still in the WAL beside the database.
    await first.crash();
    expect(fs.readdirSync(dataDir).sort()).toEqual(['skybeat.db', 'skybeat.db-shm', 'skybeat.db-wal']);

    const restored = await npmRun('restore', backup, '--data', dataDir);
    expect(restored.err).toBe('');
    const kept = /the database it replaced is kept as (\S+)\n$/.exec(restored.out)?.[1];
    expect(kept).toMatch(/skybeat\.db\.before-restore-\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z$/);
    expect(fs.readdirSync(dataDir).sort()).toEqual(['skybeat.db', path.basename(kept!)]);

    const second = await start(dataDir, missionsDir);
    const users = (await second.api('GET', '/api/users')).body as { name: string }[];
    expect(users.map((u) => u.name)).toContain('before.user');
    expect(users.map((u) => u.name)).not.toContain('after.user');
    const alerts = (await second.api('GET', '/api/alerts')).body as { note: string }[];
    expect(alerts.map((a) => a.note)).toEqual(['before backup']);
    // Routes are files in the missions folder, not in the database: a restore leaves them be.
    expect((await second.api('GET', '/api/routes/after')).status).toBe(200);
    await second.stop();

    // The replaced database is whole: its WAL was folded in, so everything up to the crash is in it.
    const old = new Database(kept!, { readonly: true });
    expect(old.prepare('SELECT name FROM users ORDER BY name').pluck().all()).toEqual(['admin', 'after.user', 'before.user']);
    old.close();
  });

  it('refuses a file that is not a SkyBeat database, or is missing, naming it, and leaves the live database as it was', async () => {
    const dataDir = tmp();
    const first = await start(dataDir, tmp());
    await first.stop();
    const db = path.join(dataDir, 'skybeat.db');
    const before = fs.readFileSync(db);
    const dir = tmp();
    const notes = path.join(dir, 'notes.txt');
    fs.writeFileSync(notes, 'shift handover: nothing to report\n');
    const other = path.join(dir, 'other-program.db');
    const o = new Database(other);
    o.exec('CREATE TABLE things (x)');
    o.close();

    for (
      const [file, message] of [
        [notes, `${notes} is not a SQLite database (it does not begin with the SQLite header)`],
        [other, `${other} is a SQLite database but not a SkyBeat one (schema version 0; missing tables users, audit, track_points)`],
        [path.join(dir, 'missing.db'), `${path.join(dir, 'missing.db')}: no such file`],
      ]
    ) {
      expect(await npmRun('restore', file!, '--data', dataDir)).toEqual({ code: 1, out: '', err: `restore: ${message}\n` });
    }
    expect(fs.readFileSync(db).equals(before)).toBe(true);
    expect(fs.readdirSync(dataDir)).toEqual(['skybeat.db']);
  });

  it('restores over a file that is no database, keeping that file aside as it was', async () => {
    const dataDir = tmp();
    const first = await start(dataDir, tmp());
    await first.stop();
    const backup = path.join(tmp(), 'good.db');
    expect(await npmRun('backup', backup, '--data', dataDir)).toMatchObject({ code: 0 });
    const junk = Buffer.from('overwritten by a bad disk\n');
    fs.writeFileSync(path.join(dataDir, 'skybeat.db'), junk);

    const restored = await npmRun('restore', backup, '--data', dataDir);
    expect(restored).toMatchObject({ code: 0, err: '' });
    const kept = /kept as (\S+)\n$/.exec(restored.out)![1]!;
    expect(fs.readFileSync(kept).equals(junk)).toBe(true);
    const second = await start(dataDir, tmp());
    await second.stop();
  });

  it('refuses a backup from a newer SkyBeat and a backup over an existing file', async () => {
    const dataDir = tmp();
    const first = await start(dataDir, tmp());
    await first.stop();
    const dir = tmp();
    const newer = path.join(dir, 'newer.db');
    fs.copyFileSync(path.join(dataDir, 'skybeat.db'), newer);
    const n = new Database(newer);
    const version = n.pragma('user_version', { simple: true }) as number;
    n.pragma(`user_version = ${version + 1}`);
    n.close();
    expect(await npmRun('restore', newer, '--data', dataDir)).toEqual({
      code: 1,
      out: '',
      err: `restore: ${newer} has schema version ${
        version + 1
      }, newer than this SkyBeat knows (${version}): use it with the newer SkyBeat that wrote it, or choose a backup made by this version\n`,
    });
    expect(await npmRun('backup', newer, '--data', dataDir)).toEqual({
      code: 1,
      out: '',
      err: `backup: ${newer} already exists: a backup never overwrites a file; give a new name\n`,
    });
  });
});

describe('backup and restore act on the configured store', () => {
  const url = 'postgres://skybeat:s3cret@db.station.example:5433/city?schema=station_1';

  it("on PostgreSQL, do nothing and name the PostgreSQL tools to use, with this store's host, database and schema and never its password", async () => {
    const dir = tmp();
    const file = path.join(dir, 'skybeat.dump');
    const backup = await npmRun('backup', file, '--database', url);
    expect(backup).toEqual({
      code: 1,
      out: '',
      err: 'backup: the store is PostgreSQL (postgres://skybeat:***@db.station.example:5433/city?schema=station_1); ' +
        'npm run backup backs up SQLite files only, and did nothing.\n' +
        "Back up with PostgreSQL's own pg_dump, also while the service runs:\n" +
        `  pg_dump -Fc -h db.station.example -p 5433 -U skybeat -d city -n station_1 -f ${file}\n` +
        'and restore it, with the service stopped, with\n' +
        `  pg_restore --clean --if-exists -h db.station.example -p 5433 -U skybeat -d city ${file}\n` +
        'Both take the password from PGPASSWORD or ~/.pgpass. See README.md, "Choosing a store".\n',
    });
    // The store from the environment, as the service takes it.
    const restore = await npmRunIn({ SKYBEAT_DATABASE_URL: url }, 'restore', file);
    expect(restore).toMatchObject({ code: 1, out: '' });
    expect(restore.err).toContain(`\n  pg_restore --clean --if-exists -h db.station.example -p 5433 -U skybeat -d city ${file}\n`);
    expect(restore.err).toContain(
      `\n  npm run store -- copy --from sqlite:${file} --to 'postgres://skybeat:***@db.station.example:5433/city?schema=station_1'\n`,
    );
    expect(backup.err + restore.err).not.toContain('s3cret');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('backs up the SQLite file a sqlite: URL names', async () => {
    const dir = tmp();
    const file = path.join(dir, 'station.db');
    const store = await openStore(dir, `sqlite:${file}`);
    await store.close();
    const backup = path.join(dir, 'copy.db');
    expect(await npmRun('backup', backup, '--database', `sqlite:${file}`)).toMatchObject({
      code: 0,
      err: '',
      out: expect.stringMatching(`^backed up ${file} to ${backup} `),
    });
  });

  const tools = spawnSync('pg_dump', ['--version']).status === 0 && postgresAnswers;
  (tools ? it : it.skip)(
    `their advice works: the pg_dump and pg_restore commands given bring a store back as it was${tools ? '' : ' [skipped: no pg_dump or no PostgreSQL here]'}`,
    async () => {
      const store = postgresSchemaUrl();
      cleanup.push(() => dropSchema(store));
      const s = await openStore(tmp(), store);
      await s.users.add('li.wei', 'hash-1', ['pilot']);
      await s.close();
      const file = path.join(tmp(), 'skybeat.dump');
      const advised = async (tool: 'backup' | 'restore', command: string) => {
        const said = (await npmRun(tool, file, '--database', store)).err;
        const line = new RegExp(`^  (${command} .*)$`, 'm').exec(said)![1]!;
        const run = spawnSync('sh', ['-c', line], { encoding: 'utf8' });
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
      };
      await advised('backup', 'pg_dump');
      const after = await openStore(tmp(), store);
      await after.users.add('after.backup', 'hash-2', ['pilot']);
      await after.close();
      await advised('restore', 'pg_restore');
      const restored = await openStore(tmp(), store);
      cleanup.push(() => restored.close());
      expect((await restored.users.list()).map((u) => u.name)).toEqual(['li.wei']);
      expect((await restored.users.add('next', 'hash-3', ['pilot'])).id).toBe(2); // its id sequence came back with it
    },
  );
});
