/**
 * The admin tab's accounts section (账号管理): every account with its name shown, roles, whom it
 * works for and whether it may log in; an editor for roles, station and name shown; enable or
 * disable, a new password (made here, shown once) and remove (confirmed). Drawn by Preact from
 * Accounts (accounts.ts); every word follows the page's language, the service's refusals too.
 */

import { useState } from 'preact/hooks';
import { type AccountView, CITY_SCOPE, type Role } from '../../../server/wire/types.ts';
import { OutcomeLine } from '../console/outcome.tsx';
import { t, type StringKey } from '../i18n.ts';
import type { StationDirectory } from '../stations/directory.ts';
import { AddAccountForm } from './account-add.tsx';
import { RolePicker, roleName, ScopePicker, scopeName } from './account-fields.tsx';
import { type AccountChange, type Accounts, draftProblem, inRoleOrder } from './accounts.ts';
import './accounts.css';

const sameRoles = (a: Role[], b: Role[]) => a.length === b.length && a.every((r) => b.includes(r));

function AccountEditor({ accounts, account, stations }: { accounts: Accounts; account: AccountView; stations: StationDirectory }) {
  const [displayName, setDisplayName] = useState(account.displayName);
  const [roles, setRoles] = useState(account.roles);
  const [scope, setScope] = useState(account.scope);
  const [problem, setProblem] = useState<StringKey | null>(null);
  // Only what was changed is sent: a role or station sent unchanged would still end nothing, but says nothing either.
  const change: AccountChange = {
    ...(displayName.trim() !== account.displayName && { displayName: displayName.trim() }),
    ...(!sameRoles(roles, account.roles) && { roles }),
    ...(scope !== account.scope && { scope }),
  };
  const endsSessions = change.roles !== undefined || change.scope !== undefined;
  return (
    <form
      class='account-form'
      onSubmit={(event) => {
        event.preventDefault();
        const found = draftProblem({ roles, scope });
        setProblem(found);
        if (!found) void accounts.change(account, change, 'accountSaved').then((saved) => saved && (accounts.editing.value = null));
      }}
    >
      <label class='field'>
        <span>{t('accountDisplayName')}</span>
        <input class='account-form__display' value={displayName} maxLength={100} autocomplete='off' onInput={(e) => setDisplayName(e.currentTarget.value)} />
      </label>
      <RolePicker roles={roles} onChange={setRoles} />
      <ScopePicker scope={scope} stations={stations} onChange={setScope} />
      {endsSessions && <p class='account-form__note'>{t('accountEndsSessions', { name: account.name })}</p>}
      {problem && <p class='account-form__problem' role='alert'>{t(problem)}</p>}
      <div class='account-form__buttons'>
        <button type='submit' class='button button--primary account-form__save' disabled={accounts.busy.value !== null || !Object.keys(change).length}>
          {t('accountSave')}
        </button>
        <button type='button' class='button account-form__cancel' onClick={() => (accounts.editing.value = null)}>{t('cancel')}</button>
      </div>
    </form>
  );
}

function AccountRow({ accounts, account, stations, me }: { accounts: Accounts; account: AccountView; stations: StationDirectory; me: boolean }) {
  const busy = accounts.busy.value !== null;
  const editing = accounts.editing.value === account.name;
  const station = scopeName(account.scope, stations);
  return (
    <li class='account' data-name={account.name} data-scope={account.scope} data-disabled={String(account.disabled)}>
      <div class='account__head'>
        <strong class='account__name'>{account.name}</strong>
        {account.displayName && <span class='account__display'>{account.displayName}</span>}
        {me && <span class='account__you'>{t('accountYou')}</span>}
        <span class='account__state'>{t(account.disabled ? 'accountState_disabled' : 'accountState_enabled')}</span>
      </div>
      <div class='account__facts'>
        {inRoleOrder(account.roles).map((role) => <span key={role} class='account__role' data-role={role}>{roleName(role)}</span>)}
        <span class='account__scope'>
          {station}
          {/* a station's id beside its name, as the other tabs show it */}
          {account.scope !== CITY_SCOPE && station !== account.scope && <code class='account__scope-id'>{account.scope}</code>}
        </span>
      </div>
      {editing && <AccountEditor accounts={accounts} account={account} stations={stations} />}
      <div class='account__actions'>
        <button
          type='button'
          class='button account__edit'
          aria-expanded={editing}
          disabled={busy}
          onClick={() => (accounts.editing.value = editing ? null : account.name)}
        >
          {t('accountEdit')}
        </button>
        <button
          type='button'
          class='button account__toggle'
          disabled={busy}
          onClick={() => void accounts.change(account, { disabled: !account.disabled }, account.disabled ? 'accountEnabledDone' : 'accountDisabledDone')}
        >
          {t(account.disabled ? 'accountEnable' : 'accountDisable')}
        </button>
        <button type='button' class='button account__password' disabled={busy} onClick={() => void accounts.newPassword(account)}>
          {t('accountNewPassword')}
        </button>
        {/* the service refuses it too: nobody removes their own account */}
        <button type='button' class='button account__remove' disabled={busy || me} onClick={() => void accounts.remove(account)}>{t('accountRemove')}</button>
      </div>
    </li>
  );
}

/** A password made here, until the admin says it is handed over: nothing can show it again. */
function Handover({ accounts }: { accounts: Accounts }) {
  const shown = accounts.handover.value;
  if (!shown) return null;
  return (
    <div class='account-handover' role='alert' data-name={shown.name}>
      <strong class='account-handover__title'>{t('accountHandoverTitle', { name: shown.name })}</strong>
      <code class='account-handover__password'>{shown.password}</code>
      <p class='account-handover__hint'>{t('accountHandoverHint')}</p>
      <button type='button' class='button account-handover__done' onClick={() => (accounts.handover.value = null)}>{t('accountHandoverDone')}</button>
    </div>
  );
}

export function AccountsView({ accounts, stations, me }: { accounts: Accounts; stations: StationDirectory; me: string }) {
  const list = accounts.list.value;
  const adding = accounts.adding.value;
  return (
    <section class='accounts'>
      <div class='accounts__head'>
        <h2 class='sidebar__title'>{t('accountsTitle')}</h2>
        <button type='button' class='button accounts__add' aria-expanded={adding} disabled={adding} onClick={() => (accounts.adding.value = true)}>
          {t('accountAdd')}
        </button>
      </div>
      <p class='sidebar__hint'>{t('accountsHint')}</p>
      <OutcomeLine outcome={accounts.outcome} class='accounts__outcome' />
      <Handover accounts={accounts} />
      {adding && <AddAccountForm accounts={accounts} stations={stations} />}
      <ol class='accounts__list'>
        {list?.length ?
          list.map((account) => (
            <AccountRow key={account.id} accounts={accounts} account={account} stations={stations} me={account.name.toLowerCase() === me.toLowerCase()} />
          )) :
          list && <li class='sidebar__empty'>{t('accountsNone')}</li>}
      </ol>
    </section>
  );
}
