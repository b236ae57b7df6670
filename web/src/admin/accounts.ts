/**
 * The admin tab's accounts, as state: the list as the service last answered it (GET /api/users,
 * admins only) and the requests that change it (POST, PATCH and DELETE /api/users). The service
 * keeps the rules (the last enabled admin stays, nobody removes themself) and says why it refuses;
 * the page checks only what it can say better before sending (a name's letters, a password's length).
 * A password made here is shown once (handover) and kept nowhere else.
 */

import { signal } from '@preact/signals';
import { type AccountView, CITY_SCOPE, type Role, ROLES, STATION_ID } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { Outcome } from '../console/outcome.tsx';
import { t, type StringKey } from '../i18n.ts';
import { reasonSaid, requestJson } from '../live.ts';
import { generatePassword } from './passwords.ts';

/** The service's rules for a name and a password (server/http/users-api.ts), checked before sending. */
const NAME = /^[\p{L}\p{N}_.-]{1,64}$/u;
const PASSWORD_MIN = 10;

/** What the add form holds. password null: one is generated here. */
export interface AccountDraft {
  name: string;
  displayName: string;
  roles: Role[];
  scope: string;
  password: string | null;
}

/** What PATCH /api/users/:name may change; a field left out stays as it is. */
export type AccountChange = Partial<Pick<AccountView, 'displayName' | 'roles' | 'scope' | 'disabled'>> & { password?: string };

/** The roles in the service's order, whatever order they were ticked in. */
export const inRoleOrder = (roles: Iterable<Role>): Role[] => ROLES.filter((r) => new Set(roles).has(r));

/** What the page can tell is wrong before sending, or null. */
export function draftProblem(d: Pick<AccountDraft, 'roles' | 'scope'> & Partial<AccountDraft>): StringKey | null {
  if (d.name !== undefined && !NAME.test(d.name)) return 'accountProblemName';
  if (!d.roles.length) return 'accountProblemRoles';
  if (d.scope !== CITY_SCOPE && !STATION_ID.test(d.scope)) return 'accountProblemScope';
  if (typeof d.password === 'string' && (d.password.length < PASSWORD_MIN || d.password.length > 256)) return 'accountProblemPassword';
  return null;
}

const byName = (a: AccountView, b: AccountView) => a.name.toLowerCase().localeCompare(b.name.toLowerCase());

export class Accounts {
  /** the service's last answer (null: not read yet) */
  readonly list = signal<AccountView[] | null>(null);
  /** the account a request is under way for ("" for a new one): every button waits meanwhile */
  readonly busy = signal<string | null>(null);
  /** the account whose editor is open */
  readonly editing = signal<string | null>(null);
  readonly adding = signal(false);
  /** a password made here, on screen until the admin says it is handed over */
  readonly handover = signal<{ name: string; password: string } | null>(null);
  readonly outcome = new Outcome();

  constructor(private readonly confirm: Confirm) {}

  async refresh(): Promise<void> {
    try {
      this.list.value = (await requestJson<AccountView[]>('GET', '/api/users')).sort(byName);
    } catch (error) {
      this.outcome.show('error', 'accountsLoadFailed', { reason: reasonSaid(error) });
    }
  }

  /** Creates the account; true when the service did. A generated password is shown for handover. */
  async add(draft: AccountDraft): Promise<boolean> {
    const password = draft.password ?? generatePassword();
    const body = { name: draft.name, displayName: draft.displayName, roles: inRoleOrder(draft.roles), scope: draft.scope, password };
    const user = await this.send(draft.name, '', () => requestJson<AccountView>('POST', '/api/users', body));
    if (!user) return false;
    this.put(user);
    this.outcome.show('accepted', 'accountAdded', { name: user.name });
    if (draft.password === null) this.handover.value = { name: user.name, password };
    return true;
  }

  /** Changes what the editor changed (roles, scope, display name) or enables/disables; true when saved. */
  async change(account: AccountView, change: AccountChange, done: StringKey): Promise<boolean> {
    const user = await this.send(account.name, account.name, () => requestJson<AccountView>('PATCH', `/api/users/${encodeURIComponent(account.name)}`, change));
    if (!user) return false;
    this.put(user);
    this.outcome.show('accepted', done, { name: user.name });
    return true;
  }

  /** A new password made here, once the admin confirms: the old one stops working and the user's sessions end. */
  async newPassword(account: AccountView): Promise<void> {
    const name = account.name;
    const yes = await this.confirm({
      title: t('confirmAccountPasswordTitle'),
      message: t('confirmAccountPassword', { name }),
      confirm: t('accountPasswordConfirm'),
    });
    if (!yes) return;
    const password = generatePassword();
    if (await this.change(account, { password }, 'accountPasswordDone')) this.handover.value = { name, password };
  }

  /** Removes the account once the admin confirms. */
  async remove(account: AccountView): Promise<void> {
    const name = account.name;
    const yes = await this.confirm({
      title: t('confirmAccountRemoveTitle'),
      message: t('confirmAccountRemove', { name }),
      confirm: t('accountRemoveConfirm', { name }),
    });
    if (!yes) return;
    const ok = await this.send(name, name, () => requestJson<{ ok: true }>('DELETE', `/api/users/${encodeURIComponent(name)}`));
    if (!ok) return;
    this.list.value = (this.list.value ?? []).filter((u) => u.id !== account.id);
    if (this.editing.value === name) this.editing.value = null;
    if (this.handover.value?.name === name) this.handover.value = null;
    this.outcome.show('accepted', 'accountRemovedDone', { name });
  }

  /** One request at a time; a refusal is said in the admin's language (the service's message) and the list read again. */
  private async send<T>(name: string, busy: string, request: () => Promise<T>): Promise<T | null> {
    this.busy.value = busy;
    try {
      return await request();
    } catch (error) {
      await this.refresh(); // changed meanwhile (the users command, another admin): shown as it is now
      this.outcome.show('refused', 'accountFailed', { name, reason: reasonSaid(error) });
      return null;
    } finally {
      this.busy.value = null;
    }
  }

  private put(user: AccountView): void {
    this.list.value = [...(this.list.value ?? []).filter((u) => u.id !== user.id), user].sort(byName);
  }
}
