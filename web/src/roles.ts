/** What each role may do here, as the service enforces it (the buttons only follow). */

import { CITY_SCOPE } from '../../server/wire/types.ts';
import type { SessionUser } from './login.ts';

const has = (user: SessionUser, ...roles: string[]) => user.roles.some((role) => roles.includes(role));

/** Flight controls: pilots only; the command room watches. */
export const canFly = (user: SessionUser) => has(user, 'pilot');
/** Raise ground alerts, acknowledge aircraft alerts. */
export const canRaiseAlerts = (user: SessionUser) => has(user, 'pilot', 'command');
/** Close and reassign ground alerts. */
export const canManageAlerts = (user: SessionUser) => has(user, 'command');
export const canEditRoutes = (user: SessionUser) => has(user, 'pilot', 'admin');
/** Release a drone another pilot holds (a shift change). */
export const isAdmin = (user: SessionUser) => has(user, 'admin');
/** The city's people (情指中心) see every station: the stations tab. A service that names no scope has one station, the user's. */
export const isCityScope = (user: SessionUser) => (user.scope ?? CITY_SCOPE) === CITY_SCOPE;
