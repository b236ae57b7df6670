/**
 * Command-room live map: draws the map from the public settings, logs in when needed, loads the
 * drone list and follows the live stream.
 */

// Leaflet's stylesheet first, so ours (dark theme, controls) overrides it.
import 'leaflet/dist/leaflet.css';
import './style.css';
import type { ClientConfig, VehicleView } from '../../server/wire/types.ts';
import { FleetView } from './fleet-view.ts';
import { detectLocale, getLocale, isLocale, onLocaleChange, setLocale, t, translateStatic, type Locale } from './i18n.ts';
import { connectLive, requestJson } from './live.ts';
import { askLogin, currentUser, logout, type SessionUser } from './login.ts';
import { createMap } from './map.ts';
import { StatusDisplay } from './status.ts';

const LOCALE_STORAGE_KEY = 'skybeat.locale';
/** used when /api/config cannot be read: a plain background, centred on the first drones seen */
const fallbackConfig: ClientConfig = { tileUrl: null, tileAttribution: '', center: { lat: 0, lon: 0 } };

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no element #${id}`);
  return el as T;
}

function storedLocale(): Locale | null {
  try {
    const value = localStorage.getItem(LOCALE_STORAGE_KEY);
    return isLocale(value) ? value : null;
  } catch {
    return null; // storage disabled: fall back to the browser's languages
  }
}

function storeLocale(locale: Locale): void {
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

function applyLocale(): void {
  document.documentElement.lang = getLocale();
  document.title = t('appTitle');
  translateStatic(document.body);
}

function showUser(user: SessionUser): void {
  const name = byId('user');
  name.textContent = user.displayName || user.name;
  name.hidden = false;
  byId('logout').hidden = false;
}

async function start(): Promise<void> {
  setLocale(storedLocale() ?? detectLocale(navigator.languages));
  applyLocale();
  const status = new StatusDisplay(byId('connection'), byId('notices'));

  const config = await requestJson<ClientConfig>('GET', '/api/config').catch((error: unknown) => {
    status.addNotice('configError', error);
    return fallbackConfig;
  });
  const { map, onTilesUnavailable } = createMap(byId('map'), config);
  onTilesUnavailable(() => {
    byId('tiles-note').hidden = false;
  });
  const view = new FleetView(map, {
    list: byId<HTMLOListElement>('drone-list'),
    listEmpty: byId('drone-list-empty'),
    panel: byId('panel'),
    summary: byId('summary'),
  });

  onLocaleChange(() => {
    applyLocale();
    status.relabel();
    view.relabel();
  });
  byId('language').addEventListener('click', () => {
    const next: Locale = getLocale() === 'zh-CN' ? 'en' : 'zh-CN';
    storeLocale(next);
    setLocale(next);
  });
  byId('logout').addEventListener('click', () => {
    logout().catch((error: unknown) => status.addNotice('logoutError', error));
  });

  // The map is drawn from public settings; the drones need a session.
  const loginDialog = byId<HTMLDialogElement>('login');
  const user = await currentUser().catch((error: unknown) => {
    status.addNotice('sessionError', error);
    return null;
  });
  showUser(user ?? (await askLogin(loginDialog)));

  let loggingIn = false;
  const socket = connectLive({
    snapshot: (views) => view.receive(views, true),
    update: (views) => view.receive(views, false),
    state: (state, detail) => {
      status.showConnection(state, detail);
      if (state === 'refused' && !loggingIn) void loginAgain();
    },
  });

  /** The service refused the live stream: if the session has ended, log in again and reconnect. */
  async function loginAgain(): Promise<void> {
    loggingIn = true;
    try {
      if (await currentUser()) return; // refused for another reason: the badge says which
      showUser(await askLogin(loginDialog));
      socket.connect();
    } catch (error) {
      status.addNotice('sessionError', error);
    } finally {
      loggingIn = false;
    }
  }

  requestJson<VehicleView[]>('GET', '/api/vehicles').then(
    (views) => {
      // The live snapshot may have come first; this older answer must not overwrite it.
      if (!view.seeded) view.receive(views, true);
    },
    (error: unknown) => status.addNotice('vehiclesError', error),
  );
}

start().catch((error: unknown) => {
  // Nothing else can show this: the page failed before the map existed.
  document.body.textContent = `SkyBeat: ${error instanceof Error ? error.message : String(error)}`;
  throw error;
});
