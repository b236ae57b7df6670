import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../server/auth/passwords.ts';
import { openStore } from '../../server/store/index.ts';
import { REPO } from '../helpers/shared.ts';

const users = (dataDir: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/auth/users-cli.ts', ...args, '--data', dataDir], { cwd: REPO, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
};

describe('npm run users', () => {
  it('adds, lists, re-roles and removes accounts; the printed password works', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-users-'));
    const add = users(dir, 'add', 'zhang.min', '--role', 'pilot', '--role', 'command');
    expect(add.code).toBe(0);
    const pw = /password: (\S+)/.exec(add.out)![1]!;
    const store = openStore(dir);
    expect(await verifyPassword(pw, store.users.byName('zhang.min')!.passwordHash)).toBe(true);
    store.close();
    expect(users(dir, 'list').out).toContain('zhang.min\tcommand,pilot');
    expect(users(dir, 'roles', 'zhang.min', '--role', 'officer').code).toBe(0);
    expect(users(dir, 'list').out).toContain('zhang.min\tofficer');
    expect(users(dir, 'remove', 'zhang.min').code).toBe(0);
    expect(users(dir, 'list').out).not.toContain('zhang.min');
  });

  it('refuses bad input with a message naming it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-users-'));
    expect(users(dir, 'add', 'x', '--role', 'captain')).toMatchObject({ code: 2, out: expect.stringContaining('--role captain: unknown role') });
    expect(users(dir, 'add', 'x')).toMatchObject({ code: 2, out: expect.stringContaining('add needs at least one --role') });
    expect(users(dir, 'passwd', 'ghost')).toMatchObject({ code: 2, out: expect.stringContaining('no user "ghost"') });
    expect(users(dir, 'fly')).toMatchObject({ code: 2, out: expect.stringContaining('unknown command "fly"') });
  });
});
