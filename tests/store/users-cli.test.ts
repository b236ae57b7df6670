import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../server/auth/passwords.ts';
import { openStore } from '../../server/store/index.ts';
import { REPO } from '../helpers/shared.ts';

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/auth/users-cli.ts', ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
  });
  return { code: r.status, out: r.stdout + r.stderr };
};
const users = (dataDir: string, ...args: string[]) => run([...args, '--data', dataDir]);

describe('npm run users', () => {
  it('adds, lists, re-roles and removes accounts; the printed password works', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-users-'));
    const add = users(dir, 'add', 'zhang.min', '--role', 'pilot', '--role', 'command');
    expect(add.code).toBe(0);
    const pw = /password: (\S+)/.exec(add.out)![1]!;
    const store = await openStore(dir);
    expect(await verifyPassword(pw, (await store.users.byName('zhang.min'))!.passwordHash)).toBe(true);
    await store.close();
    expect(users(dir, 'list').out).toContain('zhang.min\tcommand,pilot');
    expect(users(dir, 'roles', 'zhang.min', '--role', 'officer').code).toBe(0);
    expect(users(dir, 'list').out).toContain('zhang.min\tofficer');
    expect(users(dir, 'remove', 'zhang.min').code).toBe(0);
    expect(users(dir, 'list').out).not.toContain('zhang.min');
  });

  it('finds the data folder as the service does: the configuration file, SKYBEAT_DATA, --data', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-users-'));
    const config = path.join(dir, 'skybeat.config.json');
    fs.writeFileSync(config, JSON.stringify({ data: path.join(dir, 'from-file') }));
    expect(run(['--config', config, 'add', 'li.wei', '--role', 'pilot']).code).toBe(0);
    expect(run(['list'], { SKYBEAT_CONFIG: config }).out).toContain('li.wei\tpilot');
    expect(fs.existsSync(path.join(dir, 'from-file', 'skybeat.db'))).toBe(true);
    // The environment outranks the file, as for the service.
    expect(run(['list'], { SKYBEAT_CONFIG: config, SKYBEAT_DATA: path.join(dir, 'from-env') }).out).not.toContain('li.wei');
    fs.writeFileSync(config, '{"data": 5}');
    expect(run(['--config', config, 'list'])).toMatchObject({ code: 2, out: expect.stringContaining('data') });
  });

  it('refuses bad input with a message naming it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-users-'));
    expect(users(dir, 'add', 'x', '--role', 'captain')).toMatchObject({ code: 2, out: expect.stringContaining('--role captain: unknown role') });
    expect(users(dir, 'add', 'x')).toMatchObject({ code: 2, out: expect.stringContaining('add needs at least one --role') });
    expect(users(dir, 'passwd', 'ghost')).toMatchObject({ code: 2, out: expect.stringContaining('no user "ghost"') });
    expect(users(dir, 'fly')).toMatchObject({ code: 2, out: expect.stringContaining('unknown command "fly"') });
  });

  it('keeps an enabled admin: the last one cannot be removed, disabled or lose the role (in any spelling)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-users-'));
    expect(users(dir, 'add', 'chief', '--role', 'admin').code).toBe(0);
    const last = 'users: chief is the last enabled admin';
    expect(users(dir, 'remove', 'CHIEF')).toMatchObject({ code: 2, out: expect.stringContaining(`${last}: removing the account would leave nobody`) });
    expect(users(dir, 'disable', 'chief')).toMatchObject({ code: 2, out: expect.stringContaining(`${last}: disabling the account`) });
    expect(users(dir, 'roles', 'Chief', '--role', 'pilot')).toMatchObject({ code: 2, out: expect.stringContaining(`${last}: taking the admin role`) });
    expect(users(dir, 'list').out).toContain('chief\tadmin\tcity\n');
    const store = await openStore(dir);
    expect((await store.audit.query({ user: 'shell' })).filter((e) => e.result === 'refused')).toHaveLength(3);
    await store.close();
  });
});
