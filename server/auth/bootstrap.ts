import { hashPassword, randomPassword } from './passwords.ts';
import type { Store } from '../store/index.ts';

/**
 * On the very first start (no users at all) create an "admin" account, so a newcomer can log
 * in; its password is SKYBEAT_ADMIN_PASSWORD if given, else random and printed exactly once.
 */
export async function bootstrapAdmin(store: Store, password: string | undefined, log: (line: string) => void): Promise<void> {
  if ((await store.users.count()) > 0) return;
  const given = Boolean(password);
  const pw = password || randomPassword();
  try {
    await store.users.add('admin', await hashPassword(pw), ['admin', 'pilot', 'command']);
  } catch (err) {
    // A city's nodes start together on one store: another node made the first account meanwhile.
    if ((await store.users.byName('admin')) !== undefined) return;
    throw err;
  }
  store.audit.record({
    user: null,
    action: 'user.add',
    target: 'admin',
    result: 'ok',
    detail: { reason: 'first start', roles: ['admin', 'pilot', 'command'] },
  });
  log(
    given
      ? 'Created the first account "admin" with the password from SKYBEAT_ADMIN_PASSWORD.'
      : `Created the first account: user "admin", password "${pw}" (shown once; change it with: npm run users -- passwd admin)`,
  );
}
