import { parseArgs } from 'node:util';
import { ConfigError } from '../config.ts';
import { openStore } from '../store/index.ts';
import { serviceStoreUrl } from '../tools/data-tool.ts';
import { CITY_SCOPE } from '../wire/types.ts';
import { ROLES, scopeProblem, UserRuleError, type Role } from '../store/users.ts';
import { hashPassword, randomPassword } from './passwords.ts';

const USAGE = `Manage SkyBeat accounts from the shell (works while the service runs).

Usage: npm run users -- COMMAND [NAME] [options]

  list                              all accounts with their roles and scope
  add NAME --role R [--role R2]     new account; prints a random password unless --password is given;
                                    [--scope S]: the station it works for, else the whole city
  passwd NAME [--password P]        new password (random and printed if not given); ends its sessions
  roles NAME --role R [--role R2]   replace the account's roles; ends its sessions
  scope NAME --scope S              the station it works for, or ${CITY_SCOPE}; ends its sessions if changed
  disable NAME | enable NAME        lock or unlock an account
  remove NAME                       delete an account
Names are matched without case (Li.Wei is li.wei). The last enabled admin cannot be removed,
disabled or lose the admin role. Sessions ended here end the service's live connections too.

Options: --display-name TEXT; --data DIR, --database URL or --config FILE: the service's store, found
as the service finds it (--database, else SKYBEAT_DATABASE_URL, else "database" in the configuration
file, else the SQLite file in the data folder: --data, else SKYBEAT_DATA, else "data" in the file, else ./data)
Roles: ${ROLES.join(', ')}
Scope: ${CITY_SCOPE} (every station: the city centre) or one station's id ("hf"); only its shape is
checked here, as the stations are configured on the nodes, not in the database
`;

function fail(message: string): never {
  console.error(`users: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        role: { type: 'string', multiple: true },
        password: { type: 'string' },
        data: { type: 'string' },
        config: { type: 'string' },
        database: { type: 'string' },
        'display-name': { type: 'string' },
        scope: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
  const { values: o, positionals: [command, name] } = parsed;
  if (o.help || !command) {
    process.stdout.write(USAGE);
    return;
  }
  const roles = (o.role ?? []).map((r) => {
    if (!(ROLES as readonly string[]).includes(r)) fail(`--role ${r}: unknown role; use one of ${ROLES.join(', ')}`);
    return r as Role;
  });
  if (o.password !== undefined && o.password.length < 10) fail('--password: at least 10 characters');
  const badScope = o.scope === undefined ? null : scopeProblem(o.scope);
  if (badScope) fail(`--scope: ${badScope}`);
  const needName = () => name ?? fail(`${command} needs an account NAME`);

  let where: { dataDir: string; url: string };
  try {
    where = serviceStoreUrl(o);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const store = await openStore(where.dataDir, where.url);
  const audit = (action: string, target: string, detail?: unknown) => store.audit.record({ user: 'shell', action, target, result: 'ok', detail });
  try {
    switch (command) {
      case 'list':
        for (const u of await store.users.list()) console.log(`${u.name}\t${u.roles.join(',')}\t${u.scope}${u.disabled ? '\tdisabled' : ''}`);
        break;
      case 'add': {
        const n = needName();
        if (!roles.length) fail('add needs at least one --role');
        if (await store.users.byName(n)) fail(`user "${n}" already exists`);
        const pw = o.password ?? randomPassword();
        const user = await store.users.add(n, await hashPassword(pw), roles, o['display-name'], o.scope);
        audit('user.add', n, { roles, scope: user.scope });
        const what = `${n} (${roles.join(', ')}; scope ${user.scope})`;
        console.log(o.password ? `added ${what}` : `added ${what}, password: ${pw}`);
        break;
      }
      case 'passwd': {
        const n = needName();
        const pw = o.password ?? randomPassword();
        if (!(await store.users.update(n, { passwordHash: await hashPassword(pw) }))) fail(`no user "${n}"`);
        audit('user.change', n, { password: 'changed' });
        console.log(o.password ? `password of ${n} changed` : `new password of ${n}: ${pw}`);
        break;
      }
      case 'roles': {
        const n = needName();
        if (!roles.length) fail('roles needs at least one --role');
        if (!(await store.users.update(n, { roles }))) fail(`no user "${n}"`);
        audit('user.change', n, { roles });
        console.log(`${n}: ${roles.join(', ')}`);
        break;
      }
      case 'scope': {
        const n = needName();
        if (o.scope === undefined) fail(`scope needs --scope STATION or --scope ${CITY_SCOPE}`);
        if (!(await store.users.update(n, { scope: o.scope }))) fail(`no user "${n}"`);
        audit('user.change', n, { scope: o.scope });
        console.log(`${n}: scope ${o.scope}`);
        break;
      }
      case 'disable':
      case 'enable': {
        const n = needName();
        if (!(await store.users.update(n, { disabled: command === 'disable' }))) fail(`no user "${n}"`);
        audit('user.change', n, { disabled: command === 'disable' });
        console.log(`${n} ${command}d`);
        break;
      }
      case 'remove': {
        const n = needName();
        if (!(await store.users.remove(n))) fail(`no user "${n}"`);
        audit('user.remove', n);
        console.log(`removed ${n}`);
        break;
      }
      default:
        fail(`unknown command "${command}"; run with --help`);
    }
  } catch (err) {
    if (!(err instanceof UserRuleError)) throw err;
    store.audit.record({
      user: 'shell',
      action: command === 'remove' ? 'user.remove' : 'user.change',
      target: name ?? null,
      result: 'refused',
      detail: { reason: err.message },
    });
    await store.close(); // the refusal written before the process ends
    fail(err.message);
  } finally {
    await store.close();
  }
}

void main();
