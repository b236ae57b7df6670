/**
 * The admin tab's form for a new account: name, name shown, roles, who it works for, and its
 * password, generated here by default (shown once on success, to hand over) or typed.
 */

import { useState } from 'preact/hooks';
import { CITY_SCOPE } from '../../../server/wire/types.ts';
import { t, type StringKey } from '../i18n.ts';
import type { StationDirectory } from '../stations/directory.ts';
import { RolePicker, ScopePicker } from './account-fields.tsx';
import { type AccountDraft, type Accounts, draftProblem } from './accounts.ts';

export function AddAccountForm({ accounts, stations }: { accounts: Accounts; stations: StationDirectory }) {
  const [draft, setDraft] = useState<AccountDraft>({ name: '', displayName: '', roles: [], scope: CITY_SCOPE, password: null });
  const [problem, setProblem] = useState<StringKey | null>(null);
  const edit = (change: Partial<AccountDraft>) => {
    setDraft({ ...draft, ...change });
    setProblem(null);
  };
  const busy = accounts.busy.value !== null;
  return (
    <form
      class='account-form account-form--new'
      onSubmit={(event) => {
        event.preventDefault();
        const sent = { ...draft, name: draft.name.trim(), displayName: draft.displayName.trim() };
        const found = draftProblem(sent);
        setProblem(found);
        if (!found) void accounts.add(sent).then((added) => added && (accounts.adding.value = false));
      }}
    >
      <label class='field'>
        <span>{t('accountName')}</span>
        <input
          class='account-form__name'
          value={draft.name}
          maxLength={64}
          spellcheck={false}
          autocomplete='off'
          onInput={(e) => edit({ name: e.currentTarget.value })}
        />
      </label>
      <label class='field'>
        <span>{t('accountDisplayName')}</span>
        <input
          class='account-form__display'
          value={draft.displayName}
          maxLength={100}
          autocomplete='off'
          onInput={(e) => edit({ displayName: e.currentTarget.value })}
        />
      </label>
      <RolePicker roles={draft.roles} onChange={(roles) => edit({ roles })} />
      <ScopePicker scope={draft.scope} stations={stations} onChange={(scope) => edit({ scope })} />
      <fieldset class='account-password'>
        <legend>{t('accountPassword')}</legend>
        <label class='account-password__choice'>
          <input type='radio' name='password' value='generate' checked={draft.password === null} onChange={() => edit({ password: null })} />
          {t('accountPasswordGenerate')}
        </label>
        <label class='account-password__choice'>
          <input type='radio' name='password' value='type' checked={draft.password !== null} onChange={() => edit({ password: '' })} />
          {t('accountPasswordType')}
        </label>
        {draft.password !== null && (
          <input
            class='account-form__password'
            type='password'
            autocomplete='new-password'
            maxLength={256}
            placeholder={t('accountPasswordTypeHint')}
            aria-label={t('accountPassword')}
            value={draft.password}
            onInput={(e) => edit({ password: e.currentTarget.value })}
          />
        )}
      </fieldset>
      {problem && <p class='account-form__problem' role='alert'>{t(problem)}</p>}
      <div class='account-form__buttons'>
        <button type='submit' class='button button--primary account-form__submit' disabled={busy}>{t('accountAddSubmit')}</button>
        <button type='button' class='button account-form__cancel' onClick={() => (accounts.adding.value = false)}>{t('cancel')}</button>
      </div>
    </form>
  );
}
