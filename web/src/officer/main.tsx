/**
 * The officers' phone page (/officer): log in, check the role, then hand over to OfficerApp, drawn
 * by Preact (officer-view.tsx). The header and the login dialog are the page's static markup,
 * translated by their data-i18n. Installable (web app manifest and a service worker from web/public).
 */

// Leaflet's stylesheet first, so ours overrides it.
import 'leaflet/dist/leaflet.css';
import '../login.css';
import './officer.css';
import '../video/video.css';
import { render } from 'preact';
import type { ClientConfig } from '../../../server/wire/types.ts';
import { detectLocale, followLanguage, getLocale, isLocale, setLocale, t, translateStatic, type Locale } from '../i18n.ts';
import { reasonOf, requestJson } from '../live.ts';
import { askLogin, currentUser, logout } from '../login.ts';
import { OfficerApp } from './app.tsx';
import { Notice } from './notice.ts';
import { Account, NoticeLine, NotOfficer, OfficerPage } from './officer-view.tsx';

const LOCALE_KEY = 'skybeat.officer.locale';
const THEME_KEY = 'skybeat.officer.theme';
type Theme = 'dark' | 'light';

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`officer.html has no element #${id}`);
  return el as T;
}

/** localStorage, which a locked-down browser may refuse: then choices last for this page only. */
const stored = {
  get(key: string): string | null {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key: string, value: string): void {
    try {
      localStorage.setItem(key, value);
    } catch {
      // see above
    }
  },
};

function applyLocale(): void {
  document.documentElement.lang = getLocale();
  document.title = t('officerTitle');
  translateStatic(document.body);
  showThemeButton();
}

function theme(): Theme {
  return document.documentElement.dataset.theme === 'light' ? 'light' : 'dark';
}

/** Night: light text on black. Sunlight: black on white, the most contrast a screen has outdoors. */
function setTheme(next: Theme): void {
  document.documentElement.dataset.theme = next;
  document.querySelector('meta[name="theme-color"]')?.setAttribute('content', next === 'light' ? '#ffffff' : '#000000');
  showThemeButton();
}

function showThemeButton(): void {
  byId('theme').textContent = t(theme() === 'dark' ? 'themeToSun' : 'themeToNight');
}

function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/officer-sw.js', { scope: '/officer' }).catch((error: unknown) => {
    // Only installing to the home screen needs it; the page works without.
    console.warn('SkyBeat: service worker not registered:', error);
  });
}

async function start(): Promise<void> {
  const savedLocale = stored.get(LOCALE_KEY);
  setLocale(isLocale(savedLocale) ? savedLocale : detectLocale(navigator.languages));
  const savedTheme = stored.get(THEME_KEY);
  setTheme(savedTheme === 'light' || savedTheme === 'dark' ? savedTheme : matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark');
  followLanguage(applyLocale);
  byId('language').addEventListener('click', () => {
    const next: Locale = getLocale() === 'zh-CN' ? 'en' : 'zh-CN';
    stored.set(LOCALE_KEY, next);
    setLocale(next);
  });
  byId('theme').addEventListener('click', () => {
    const next: Theme = theme() === 'dark' ? 'light' : 'dark';
    stored.set(THEME_KEY, next);
    setTheme(next);
  });
  registerServiceWorker();

  const loginDialog = byId<HTMLDialogElement>('login');
  const user = (await currentUser()) ?? (await askLogin(loginDialog));
  const notice = new Notice();
  const onLogout = () => {
    logout().catch((error: unknown) => notice.show(reasonOf(error)));
  };
  const page = byId('page');

  if (!user.roles.includes('officer')) {
    render(
      <>
        <NotOfficer user={user} />
        <NoticeLine notice={notice} />
        <Account user={user} onLogout={onLogout} />
      </>,
      page,
    );
    return;
  }

  // Without the settings the map still works on a plain background around the incident.
  const config = await requestJson<ClientConfig>('GET', '/api/config').catch((): ClientConfig => ({
    tileUrl: null,
    tileAttribution: '',
    center: { lat: 0, lon: 0 },
  }));
  let loggingIn = false;
  const app = new OfficerApp({
    user,
    config,
    notice,
    refused: () => {
      // The session ended: log in again and start over (it may be someone else picking up the phone).
      if (loggingIn) return;
      loggingIn = true;
      void currentUser().then(async (still) => {
        if (still) return; // refused for another reason: the connection line says which
        await askLogin(loginDialog);
        location.reload();
      }).finally(() => (loggingIn = false));
    },
  });
  render(
    <OfficerPage app={app}>
      <Account user={user} onLogout={onLogout} />
    </OfficerPage>,
    page,
  );
}

start().catch((error: unknown) => {
  // Nothing else can show this: the page failed before it was drawn.
  document.body.textContent = `SkyBeat: ${error instanceof Error ? error.message : String(error)}`;
  throw error;
});
