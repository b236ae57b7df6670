/**
 * The parts the accounts' add form and editor share: roles as checkboxes, and who the account works
 * for (the whole city, a station the service lists, or a station id typed in: a station's users may
 * be made before the node that serves it runs, so the list cannot be the only choice).
 */

import { useState } from 'preact/hooks';
import { CITY_SCOPE, type Role, ROLES } from '../../../server/wire/types.ts';
import { t, type StringKey } from '../i18n.ts';
import type { StationDirectory } from '../stations/directory.ts';
import { inRoleOrder } from './accounts.ts';

const ROLE_NAMES: Record<Role, StringKey> = { pilot: 'rolePilot', command: 'roleCommand', officer: 'roleOfficer', admin: 'roleAdmin' };

export const roleName = (role: Role): string => t(ROLE_NAMES[role]);

/** What the page calls a scope: the whole city, else the station's name when the list has it, else its id. */
export function scopeName(scope: string, stations: StationDirectory): string {
  if (scope === CITY_SCOPE) return t('accountScopeCity');
  return stations.get(scope)?.name || scope;
}

export function RolePicker({ roles, onChange }: { roles: Role[]; onChange: (roles: Role[]) => void }) {
  return (
    <fieldset class='account-roles'>
      <legend>{t('accountRoles')}</legend>
      {ROLES.map((role) => (
        <label key={role} class='account-roles__role'>
          <input
            type='checkbox'
            name='role'
            value={role}
            checked={roles.includes(role)}
            onChange={(event) => onChange(event.currentTarget.checked ? inRoleOrder([...roles, role]) : roles.filter((r) => r !== role))}
          />
          {roleName(role)}
        </label>
      ))}
    </fieldset>
  );
}

/** The choice that opens the field for a station id; no station id can be it (STATION_ID has no "_"). */
const TYPED = '_typed';

export function ScopePicker({ scope, onChange, stations }: { scope: string; onChange: (scope: string) => void; stations: StationDirectory }) {
  const known = stations.list.value ?? [];
  const listed = scope === CITY_SCOPE || known.some((s) => s.id === scope);
  // Chosen by the admin: it stays while the id typed happens to be a listed one. A scope the list
  // lacks (not read yet, or a station whose node does not run) is shown typed without it.
  const [typing, setTyping] = useState(false);
  const typed = typing || !listed;
  return (
    <div class='account-scope'>
      <label class='field'>
        <span>{t('accountScope')}</span>
        <select
          class='account-scope__select'
          value={typed ? TYPED : scope}
          onChange={(event) => {
            const value = event.currentTarget.value;
            setTyping(value === TYPED);
            onChange(value === TYPED ? '' : value);
          }}
        >
          <option value={CITY_SCOPE}>{t('accountScopeCityOption')}</option>
          {known.map((s) => <option key={s.id} value={s.id}>{s.name ? t('accountStationOption', { name: s.name, id: s.id }) : s.id}</option>)}
          <option value={TYPED}>{t('accountScopeOther')}</option>
        </select>
      </label>
      {typed && (
        <label class='field'>
          <span>{t('accountScopeId')}</span>
          <input
            class='account-scope__id'
            value={scope}
            maxLength={32}
            spellcheck={false}
            autocomplete='off'
            placeholder={t('accountScopeIdHint')}
            onInput={(event) => onChange(event.currentTarget.value.trim())}
          />
        </label>
      )}
    </div>
  );
}
