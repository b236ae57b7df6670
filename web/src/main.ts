/**
 * The SkyBeat web app, one page for two roles: the command room watches the whole squadron on a
 * wall screen; pilots launch and command their drones from a laptop. Draws the map from the public
 * settings, logs in when needed, then loads the fleet, routes and alerts and follows the live stream.
 */

// Leaflet's stylesheet first, so ours (dark theme, controls) overrides it.
import 'leaflet/dist/leaflet.css';
import './login.css';
import './style.css';
import './video/video.css';
import { effect } from '@preact/signals';
import * as L from 'leaflet';
import type { ClientConfig, DuePatrol, GroundAlertView, StationView, VehicleView } from '../../server/wire/types.ts';
import { AdminPanel } from './admin/admin-panel.tsx';
import { AlertForm } from './alerts/alert-form.tsx';
import { AlertsPanel } from './alerts/alerts-panel.tsx';
import { categoryName, GroundAlertMarkers } from './alerts/ground-markers.ts';
import { IncidentDrone, IncidentDrones } from './alerts/incident-drone.tsx';
import { OfficerMarkers } from './alerts/officer-markers.ts';
import { confirmer } from './confirm.ts';
import { DroneConsole } from './console/console.tsx';
import { DroneRequestList } from './console/drone-requests.tsx';
import { GotoConsole } from './console/goto.tsx';
import { FleetView } from './fleet-view.ts';
import { Framing } from './framing.ts';
import { GotoLayer } from './goto-layer.ts';
import { GotoStore } from './gotos.ts';
import { renderNextFrame } from './frame.ts';
import { HistoryPanel } from './history/history-panel.tsx';
import { Replay } from './history/replay.tsx';
import { detectLocale, followLanguage, getLocale, isLocale, setLocale, t, translateStatic, type Locale } from './i18n.ts';
import { addLegend } from './legend.ts';
import { connectLive, requestJson } from './live.ts';
import { h } from 'preact';
import { askLogin, currentUser, logout, type SessionUser } from './login.ts';
import { createMap } from './map.ts';
import { isRunActive, Ops } from './ops.ts';
import { canFly, canManageAlerts, canRaiseAlerts, isAdmin, isCityScope } from './roles.ts';
import { RouteCatalog } from './routes/catalog.ts';
import { DuePatrols } from './routes/due-patrols.tsx';
import { RouteEditor } from './routes/route-editor.tsx';
import { RoutePreview } from './routes/route-preview.ts';
import { RoutesPanel } from './routes/routes-panel.tsx';
import { RunRoutes } from './routes/run-routes.ts';
import { StationDirectory } from './stations/directory.ts';
import { StationAreas } from './stations/station-areas.ts';
import { StationsPanel, stationTitle } from './stations/stations-panel.tsx';
import { StatusDisplay } from './status.ts';
import { Tabs } from './tabs.ts';
import { drawStationZones } from './zones.ts';
import { DroneVideo } from './video/drone-video.tsx';
import { Evidence, IncidentEvidence } from './video/evidence.tsx';
import { VideoFeeds } from './video/feeds.ts';
import type { IncidentChoice } from './video/snapshot.tsx';
import { VideoWall } from './video/video-wall.tsx';

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

/** The user with their scope: the login's answer does not say it, GET /api/me does (without it: one station, theirs). */
async function withScope(user: SessionUser): Promise<SessionUser> {
  if (user.scope !== undefined) return user;
  // Unanswered: the login's answer as it is, read as the city's (the service enforces the scope whatever the page shows).
  const me = await currentUser().catch(() => null);
  return me?.name === user.name ? { ...user, scope: me.scope } : user;
}

/** The role the page works in, shown in the header: pilots get the flight controls. */
function showUser(user: SessionUser): void {
  const name = byId('user');
  name.textContent = user.displayName || user.name;
  name.hidden = false;
  byId('logout').hidden = false;
  const role = byId('role');
  role.dataset.i18n = canFly(user) ? 'rolePilot' : canManageAlerts(user) ? 'roleCommand' : 'roleWatch';
  role.textContent = t(role.dataset.i18n as 'rolePilot');
  role.hidden = false;
  document.body.classList.toggle('role-pilot', canFly(user));
  document.body.classList.toggle('role-command', canManageAlerts(user));
}

async function start(): Promise<void> {
  setLocale(storedLocale() ?? detectLocale(navigator.languages));
  // The static markup and the title follow the language; every view follows it by itself.
  followLanguage(applyLocale);
  const status = new StatusDisplay(byId('connection'), byId('notices'), byId('shutdown'));

  const config = await requestJson<ClientConfig>('GET', '/api/config').catch((error: unknown) => {
    status.addNotice('configError', error);
    return fallbackConfig;
  });
  const { map, onTilesUnavailable, projection } = createMap(byId('map'), config);
  onTilesUnavailable(() => {
    byId('tiles-note').hidden = false;
  });
  // What floats over the map is left out of every fit: a drone picked is never put under its panel.
  const framing = new Framing(map, [byId('panel'), byId('replay'), byId('route-editor')]);
  addLegend(map);
  byId('language').addEventListener('click', () => {
    const next: Locale = getLocale() === 'zh-CN' ? 'en' : 'zh-CN';
    storeLocale(next);
    setLocale(next);
  });
  byId('logout').addEventListener('click', () => {
    logout().catch((error: unknown) => status.addNotice('logoutError', error));
  });

  // The map is drawn from public settings; everything else needs a session.
  const loginDialog = byId<HTMLDialogElement>('login');
  const known = await currentUser().catch((error: unknown) => {
    status.addNotice('sessionError', error);
    return null;
  });
  const user = await withScope(known ?? (await askLogin(loginDialog)));
  showUser(user);

  // Routes, zones and alert lines are few and drawn in SVG (styled by CSS); the many trails stay on canvas.
  const overlays = L.svg({ padding: 0.5 });
  const ops = new Ops();
  const catalog = new RouteCatalog();
  const confirm = confirmer(byId<HTMLDialogElement>('confirm'));
  // Drone to the scene (无人机先行): the gotos and the command room's requests, live.
  const gotos = new GotoStore();
  const gotoConsole = new GotoConsole({ store: gotos, confirm, map, projection });
  const preview = new RoutePreview(map, overlays, projection);
  const tabs = new Tabs(byId('sidebar'));
  let fleet: FleetView;
  const callsign = (id: string) => fleet.vehicles.get(id)?.callsign ?? id;
  // Live video (视频巡查): the cameras this user may watch, the wall over the map, the panel's picture, stills as evidence.
  const feeds = new VideoFeeds();
  feeds.start();
  const evidence = new Evidence();
  const openIncidents = (): IncidentChoice[] =>
    [...ops.ground.values()].filter((a) => a.state !== 'resolved' && a.state !== 'closed')
      .map((a) => ({ id: a.id, label: `${a.number} ${categoryName(a.category)}` }));
  const wall = new VideoWall(byId('video-wall'), { feeds, vehicles: () => fleet.vehicles, callsign, incidents: openIncidents, evidence });
  const droneVideo = new DroneVideo({ feeds, wall, incidents: openIncidents, evidence });
  const wallButton = byId('video-wall-toggle');
  wallButton.hidden = false;
  wallButton.addEventListener('click', () => wall.toggle());

  const alertForm = new AlertForm(byId<HTMLDialogElement>('alert-form'), {
    map,
    projection,
    banner: byId('mode-banner'),
    created: (alert) => {
      ops.putGround(alert);
      tabs.show('alerts');
      alertsPanel.highlight(alert.id);
    },
  });
  const droneConsole = new DroneConsole({
    user,
    ops,
    catalog,
    confirm,
    previewRoute: (id) => {
      if (id) void catalog.detail(id).then((d) => preview.show(d, false, { numbers: true }), () => preview.show(null, false));
      else preview.show(null, false);
    },
    alertHere: (vehicle: VehicleView) => alertForm.atDrone(vehicle),
    goto: gotoConsole,
    video: droneVideo,
  });
  const runRoutes = new RunRoutes(map, overlays, projection, ops, (id) => fleet.vehicles.get(id));
  /** the station this service is configured as, once read */
  let stationName = '';
  /** the stations this user may see (the city's people: all), and what each is called */
  const stations = new StationDirectory();
  const activeRun = (vehicleId: string) => {
    const run = ops.latestRun(vehicleId);
    return run && isRunActive(run) ? run : undefined;
  };
  fleet = new FleetView(
    map,
    { list: byId<HTMLOListElement>('drone-list'), listEmpty: byId('drone-list-empty'), panel: byId('panel'), summary: byId('summary') },
    {
      projection,
      framing,
      console: droneConsole,
      duty: (id) => {
        const run = activeRun(id);
        const own = stations.label(fleet.vehicles.get(id)?.station);
        return { pilot: ops.control[id] ?? null, run, station: run?.station || own || stationName, own };
      },
      routeBounds: (id) => runRoutes.boundsOf(activeRun(id)?.id ?? -1),
      stationLabel: (id) => stations.label(id),
    },
  );
  // A station's name arrived (or changed): the list and the panel say it.
  stations.list.subscribe(() => fleet.refresh());
  // "Show everything" and the first view take in the officers and the incidents too.
  const boundsOf = (points: Array<{ lat: number | null; lon: number | null }>) => {
    const at = points.filter((p) => p.lat !== null && p.lon !== null).map((p) => projection.toMap(p.lat!, p.lon!));
    return at.length ? L.latLngBounds(at) : null;
  };
  framing.addSource(() => boundsOf([...ops.officers.values()]));
  framing.addSource(() => boundsOf([...ops.ground.values()]));
  const groundMarkers = new GroundAlertMarkers(map, overlays, projection, (id) => {
    tabs.show('alerts');
    alertsPanel.highlight(id);
  });
  const officerMarkers = new OfficerMarkers(map, projection);
  new DuePatrols(byId('due-patrols'), {
    user,
    ops,
    vehicle: (id) => fleet.vehicles.get(id),
    focusDrone: (id) => fleet.focus(id),
    prepareLaunch: (vehicleId, routeId) => {
      fleet.focus(vehicleId);
      droneConsole.prepareLaunch(routeId);
    },
    badge: (n) => tabs.badge('drones', n),
  });
  const focusAlert = (alert: GroundAlertView) => {
    map.setView(projection.toMap(alert.lat, alert.lon), Math.max(map.getZoom(), 16));
    alertsPanel.highlight(alert.id);
  };
  const alertsPanel = new AlertsPanel(byId('alerts-panel'), {
    user,
    ops,
    confirm,
    callsign,
    focusDrone: (id) => fleet.focus(id),
    focusAlert,
    newAlert: () => alertForm.pickOnMap(),
    tabBadges: byId('alerts-badges'),
    headerCounts: byId('desk-counts'),
    showDesk: () => tabs.show('alerts'),
    notice: (text) => status.addNotice('actionError', new Error(text)),
    incidentDrone: (alert) => [h(IncidentDrone, { alert, drones: incidentDrones }), h(IncidentEvidence, { alert, evidence, callsign })],
  });
  const incidentDrones = new IncidentDrones({
    user,
    ops,
    store: gotos,
    callsign,
    sendHere: (vehicleId, alert) => {
      fleet.focus(vehicleId);
      void gotoConsole.prepare(vehicleId, { lat: alert.lat, lon: alert.lon }, alert.id, alert.number);
    },
    notice: (text) => status.addNotice('actionError', new Error(text)),
  });
  new DroneRequestList(byId('drone-requests'), {
    user,
    ops,
    store: gotos,
    confirm,
    callsign,
    numberOf: (id) => alertsPanel.numberOf(id),
    sent: (id) => fleet.focus(id),
  });
  new GotoLayer(map, overlays, projection, gotos, (id) => fleet.vehicles.get(id), callsign);
  const editor = new RouteEditor({
    map,
    renderer: overlays,
    projection,
    bar: byId('route-editor'),
    saved: (detail) => routesPanel.saved(detail),
    closed: () => routesPanel.editorClosed(),
  });
  const routesPanel = new RoutesPanel(byId('routes-panel'), {
    user,
    catalog,
    preview,
    editor,
    confirm,
    dropTargets: [byId('map-area')],
    reveal: () => tabs.show('routes'),
  });
  const replay = new Replay(map, overlays, projection, byId('replay'), framing);
  const history = new HistoryPanel(byId('history-panel'), { map, projection, replay, callsign });
  // The city's people (情指中心): every station's summary, and each station's area on the map.
  const city = isCityScope(user) && (canRaiseAlerts(user) || isAdmin(user));
  const stationsPanel = city
    ? new StationsPanel(byId('stations-panel'), {
      directory: stations,
      focus: (s) => framing.fit(L.latLng(projection.toMap(s.lat, s.lon)).toBounds(s.radiusKm * 2000), 18),
    })
    : null;
  document.querySelector<HTMLElement>('[data-tab="stations"]')!.hidden = stationsPanel === null;
  if (city) {
    const areas = new StationAreas(map, overlays, projection);
    // Drawn again when the list changes, and in a new language (an unnamed station is "this station").
    effect(() => areas.render(stations.list.value ?? [], (s) => stationTitle(s, stations)));
  }
  // Admins: the accounts and each drone's camera source.
  const admin = isAdmin(user) ? new AdminPanel(byId('admin-panel'), { stations, confirm, me: user.name }) : null;
  document.querySelector<HTMLElement>('[data-tab="admin"]')!.hidden = admin === null;
  tabs.onShow((tab) => {
    if (tab === 'history') history.shown();
    if (tab === 'admin') admin?.shown();
    else admin?.hidden();
    if (tab === 'stations') stationsPanel?.shown();
    else stationsPanel?.hidden();
    // A route shown for the routes tab should not linger over the live map.
    if (tab !== 'routes' && !editor.editing) preview.show(null, false);
  });
  const newAlert = byId('new-alert');
  newAlert.hidden = !canRaiseAlerts(user);
  newAlert.addEventListener('click', () => alertForm.pickOnMap());

  const drawRuns = () => runRoutes.render();
  ops.on('runs', () => {
    renderNextFrame(drawRuns);
    fleet.refresh();
  });
  ops.on('control', () => fleet.refresh());
  const drawGround = () => groundMarkers.render(ops.ground);
  const drawOfficers = () => officerMarkers.render(ops.officers, (name) => ops.busyWith(name));
  ops.on('ground', () => {
    renderNextFrame(drawGround);
    renderNextFrame(drawOfficers);
  });
  ops.on('officers', () => {
    renderNextFrame(drawOfficers);
    framing.changed();
  });

  let loggingIn = false;
  const socket = connectLive({
    snapshot: (views) => fleet.receive(views, true),
    update: (views) => fleet.receive(views, false),
    state: (state, detail) => {
      status.showConnection(state, detail);
      if (state === 'refused' && !loggingIn) void loginAgain();
    },
  });
  ops.attach(socket);
  gotos.attach(socket);
  socket.on('server:shutdown', (reason, said) => status.showShutdown(reason, said));

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
      if (!fleet.seeded) fleet.receive(views, true);
    },
    (error: unknown) => status.addNotice('vehiclesError', error),
  );
  requestJson<DuePatrol[]>('GET', '/api/patrols/due').then(
    (list) => ops.seedDue(list),
    (error: unknown) => status.addNotice('dueError', error),
  );
  catalog.refresh().catch((error: unknown) => status.addNotice('routesError', error));
  // Names for the drones' stations (GET /api/stations is for pilots, the command room and admins).
  if (canRaiseAlerts(user) || isAdmin(user)) stations.refresh().catch((error: unknown) => status.addNotice('stationsError', error));
  requestJson<StationView>('GET', '/api/station').then(
    (station) => {
      const zones = drawStationZones(map, overlays, projection, station);
      framing.addSource(() => (zones.getLayers().length ? zones.getBounds() : null));
      framing.changed();
      stationName = station.name ?? '';
      const shown = byId('station-name');
      shown.textContent = stationName;
      shown.hidden = !stationName;
      fleet.refresh();
    },
    (error: unknown) => status.addNotice('stationError', error),
  );
}

start().catch((error: unknown) => {
  // Nothing else can show this: the page failed before the map existed.
  document.body.textContent = `SkyBeat: ${error instanceof Error ? error.message : String(error)}`;
  throw error;
});
