/**
 * Stations and scopes (issue 18) as a matrix, like the roles' (auth.test.ts): one real service that
 * is station "hf", with a simulated copter (sim-1) that flies for real; six accounts — a pilot and a
 * command user of hf, the same of wl (another station), a command user and an admin of the city —
 * and every endpoint that concerns a drone asked by each. hf's and the city's people get what they
 * got before stations (200, or their role's refusal); wl's are refused 403 scope_other_station, or
 * do not see the drone in a list; nothing of theirs is carried out. The live socket too: a wl page
 * gets no word of hf's drone, an hf page all of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceHealth, VideoSource } from '../../server/video/types.ts';
import type { AircraftAlertView, RunView, VehicleView } from '../../server/wire/types.ts';
import { raiseAlert } from '../helpers/aircraft-alerts.ts';
import { ADMIN_PASSWORD } from '../helpers/service.ts';
import { videoClient } from '../helpers/video-client.ts';
import { waitFor } from '../helpers/wait.ts';
import { HOME, patrolRig, WP1 } from '../patrols/rig.ts';

type Rig = Awaited<ReturnType<typeof patrolRig>>;
type Answer = { status: number; body: any };

const USERS = {
  'pilot-hf': { roles: ['pilot'], scope: 'hf' },
  'pilot-wl': { roles: ['pilot'], scope: 'wl' },
  'command-hf': { roles: ['command'], scope: 'hf' },
  'command-wl': { roles: ['command'], scope: 'wl' },
  'command-city': { roles: ['command'], scope: 'city' },
  'admin-city': { roles: ['admin'], scope: 'city' },
} as const;
type UserName = keyof typeof USERS;
const NAMES = Object.keys(USERS) as UserName[];
/** the state-changing requests go last by the one who may make them, after everyone's refusal */
const PILOT_LAST: UserName[] = ['pilot-wl', 'command-hf', 'command-wl', 'command-city', 'admin-city', 'pilot-hf'];

const VID = 'sim-1';
/** a drone of hf's simulator link (not flying: what it raises, no telemetry clears) */
const HF_QUIET = 'sim-9';
/** a drone of a link no node of this city knows: its station is unknown, so it is the city's only */
const NOWHERE = 'zz-1';

/** What a user got, in one short string: the refusal's code, or whether `id` was in the list. */
function outcome(r: Answer, listed?: (body: any) => boolean): string {
  if (r.status === 403) {
    return typeof r.body?.said?.code === 'string' ? `403 ${r.body.said.code}` : `403 ${JSON.stringify(r.body)}`;
  }
  if (listed && r.status === 200) return listed(r.body) ? '200 listed' : '200 not listed';
  return String(r.status);
}
const hasVehicle = (id: string) => (body: { vehicleId?: string; id?: string }[]) => body.some((x) => (x.vehicleId ?? x.id) === id);

/** A camera that is configured and sends nothing: enough to be listed and joined. */
const silentCamera = (id: string): VideoSource => ({
  uri: `test://${id}`,
  parameterSets: () => undefined,
  health: (): SourceHealth => ({ state: 'connecting', units: 0, badPackets: 0, lostPackets: 0, restarts: 0 }),
  onUnit: () => () => {},
  onHealth: () => () => {},
  close: async () => {},
});

describe('stations and scopes: every drone endpoint × every scope', () => {
  let rig: Rig;
  let admin: string;
  const token = {} as Record<UserName, string>;
  const api = (method: string, url: string, user: UserName, body?: unknown) => rig.t.api(method, url, token[user], body);
  /** each user's outcome of one request, asked in `order` */
  const matrix = async (order: UserName[], ask: (u: UserName) => Promise<Answer>, listed?: (body: any) => boolean) => {
    const out = {} as Record<UserName, string>;
    for (const u of order) out[u] = outcome(await ask(u), listed);
    return out;
  };
  /** hf's and the city's watchers see it, wl's do not */
  const SEEN_BY_HF_AND_CITY = {
    'pilot-hf': '200 listed',
    'pilot-wl': '200 not listed',
    'command-hf': '200 listed',
    'command-wl': '200 not listed',
    'command-city': '200 listed',
    'admin-city': '200 listed',
  };
  /** a read of one thing of hf's drone: 200 but for wl's people */
  const READ_BY_HF_AND_CITY = {
    'pilot-hf': '200',
    'pilot-wl': '403 scope_other_station',
    'command-hf': '200',
    'command-wl': '403 scope_other_station',
    'command-city': '200',
    'admin-city': '200',
  };
  /** a flight command: hf's pilot only; the others refused for their role, wl's for their station first */
  const FLIGHT = (ok: string) => ({
    'pilot-wl': '403 scope_other_station',
    'command-hf': '403 role_needed',
    'command-wl': '403 scope_other_station',
    'command-city': '403 role_needed',
    'admin-city': '403 role_needed',
    'pilot-hf': ok,
  });
  let runId: number;
  let gotoId: number;

  beforeAll(async () => {
    rig = await patrolRig({ station: { id: 'hf', ...HOME, radiusKm: 50 } });
    admin = await rig.t.login('admin', ADMIN_PASSWORD);
    for (const name of NAMES) {
      const { roles, scope } = USERS[name];
      const r = await rig.t.api('POST', '/api/users', admin, { name, password: `${name}-password`, roles, scope });
      if (r.status !== 201) throw new Error(`adding ${name} (${scope}): ${r.status} ${JSON.stringify(r.body)}`);
      token[name] = await rig.t.login(name, `${name}-password`);
    }
    rig.t.svc.video.attach(VID, silentCamera(VID));
  }, 60_000);
  afterAll(() => rig?.close());

  it('GET /api/vehicles: listed for hf and the city, not for wl', async () => {
    expect(await matrix(NAMES, (u) => api('GET', '/api/vehicles', u), hasVehicle(VID))).toEqual(SEEN_BY_HF_AND_CITY);
  });

  it('GET /api/vehicles/:id: 403 for wl, saying whose drone and whose user, audited', async () => {
    expect(await matrix(NAMES, (u) => api('GET', `/api/vehicles/${VID}`, u))).toEqual(READ_BY_HF_AND_CITY);
    const r = await api('GET', `/api/vehicles/${VID}`, 'pilot-wl');
    expect(r.body).toEqual({
      error: 'sim-1 belongs to station hf; pilot-wl works for station wl',
      said: { code: 'scope_other_station', params: { vehicle: VID, station: 'hf', user: 'pilot-wl', scope: 'wl' } },
    });
    const denied = await waitFor('the refusal in the audit', async () => {
      const rows = (await rig.t.api('GET', '/api/audit?action=access.denied&user=pilot-wl', admin)).body as {
        target: string;
        result: string;
        detail: unknown;
      }[];
      return rows.find((e) => e.target === `vehicle:${VID}`);
    });
    expect(denied).toMatchObject({ result: '403', detail: { station: 'hf', scope: 'wl' } });
  });

  it("POST control take: hf's pilot takes it; wl's pilot cannot, and nothing is held for them", async () => {
    const take = (u: UserName) => api('POST', `/api/vehicles/${VID}/control`, u, { action: 'take' });
    expect(await matrix(PILOT_LAST, take)).toEqual({ ...FLIGHT('200'), 'admin-city': '403 control_needs_pilot' });
    expect(rig.t.svc.control.holder(VID)).toBe('pilot-hf');
  });

  it("GET /api/control: who holds hf's drone, for hf and the city; nothing for wl", async () => {
    const held = await matrix(NAMES, (u) => api('GET', '/api/control', u), (body: Record<string, string>) => body[VID] === 'pilot-hf');
    expect(held).toEqual(SEEN_BY_HF_AND_CITY);
    expect((await api('GET', '/api/control', 'command-wl')).body).toEqual({});
  });

  it("GET preflight: for pilots; wl's refused for the station", async () => {
    await rig.ready();
    expect(await matrix(PILOT_LAST, (u) => api('GET', `/api/vehicles/${VID}/preflight?routeId=short`, u))).toEqual(FLIGHT('200'));
  });

  it("POST /api/routes/:id/upload: hf's pilot sends the route; wl's is refused before anything is sent", async () => {
    const upload = (u: UserName) => api('POST', '/api/routes/short/upload', u, { vehicleId: VID, confirm: true });
    expect(await matrix(PILOT_LAST, upload)).toEqual(FLIGHT('200'));
    const audit = (await rig.t.api('GET', '/api/audit?action=mission.upload', admin)).body as { user: string }[];
    expect(audit.map((e) => e.user)).toEqual(['pilot-hf']);
  });

  it("POST patrol: hf's pilot launches; wl's pilot is refused", async () => {
    let launched: Answer | undefined;
    const launch = async (u: UserName) => {
      const r = await api('POST', `/api/vehicles/${VID}/patrol`, u, { routeId: 'short', overrides: [], confirm: true });
      if (u === 'pilot-hf') launched = r;
      return r;
    };
    expect(await matrix(PILOT_LAST, launch)).toEqual(FLIGHT('201'));
    runId = (launched!.body as RunView).id;
    await rig.until(runId, 'on the first leg', (x) => x.state === 'flying' && (x.leg?.seq ?? 0) >= 2);
  }, 90_000);

  it("POST command: hf's pilot pauses the patrol; wl's is refused and nothing reaches the drone", async () => {
    const pause = (u: UserName) => api('POST', `/api/vehicles/${VID}/command`, u, { action: 'pause', confirm: true });
    expect(await matrix(PILOT_LAST, pause)).toEqual(FLIGHT('200'));
    const audit = (await rig.t.api('GET', '/api/audit?action=vehicle.command', admin)).body as { user: string; result: string }[];
    expect(audit.map((e) => [e.user, e.result])).toEqual([['pilot-hf', 'accepted']]);
  });

  it("POST goto: hf's pilot sends the drone to a point; wl's is refused", async () => {
    let sent: Answer | undefined;
    const send = async (u: UserName) => {
      const r = await api('POST', `/api/vehicles/${VID}/goto`, u, { lat: WP1.lat, lon: WP1.lon, confirm: true });
      if (u === 'pilot-hf') sent = r;
      return r;
    };
    expect(await matrix(PILOT_LAST, send)).toEqual(FLIGHT('201'));
    gotoId = sent!.body.id as number;
  });

  it("GET /api/runs and a run's record, route, track and video: hf and the city; wl neither listed nor let in", async () => {
    expect(await matrix(NAMES, (u) => api('GET', '/api/runs', u), (body: RunView[]) => body.some((r) => r.id === runId))).toEqual(SEEN_BY_HF_AND_CITY);
    for (
      const path of [`/api/runs/${runId}`, `/api/runs/${runId}/route`, `/api/runs/${runId}/track`, `/api/runs/${runId}/track.gpx`, `/api/runs/${runId}/video`]
    ) {
      expect(await matrix(NAMES, (u) => api('GET', path, u)), path).toEqual(READ_BY_HF_AND_CITY);
    }
    const r = await api('GET', `/api/runs/${runId}`, 'command-wl');
    expect(r.body.said).toEqual({ code: 'scope_other_station', params: { vehicle: VID, station: 'hf', user: 'command-wl', scope: 'wl' } });
  });

  it("GET /api/gotos, the gotos' history and a goto's track and video: hf and the city; wl neither listed nor let in", async () => {
    const listed = (body: { id: number }[]) => body.some((g) => g.id === gotoId);
    expect(await matrix(NAMES, (u) => api('GET', '/api/gotos', u), listed)).toEqual(SEEN_BY_HF_AND_CITY);
    expect(await matrix(NAMES, (u) => api('GET', `/api/gotos/history?from=0&to=${Date.now() + 60_000}`, u), listed)).toEqual(SEEN_BY_HF_AND_CITY);
    for (const path of [`/api/gotos/${gotoId}/track`, `/api/gotos/${gotoId}/video`]) {
      expect(await matrix(NAMES, (u) => api('GET', path, u)), path).toEqual(READ_BY_HF_AND_CITY);
    }
  });

  it("GET /api/alerts/open: hf's drones' aircraft alerts for hf and the city, a drone of no known station's for the city only", async () => {
    const hf = raiseAlert(rig.t.svc.aircraft, HF_QUIET, 'battery_low');
    const nowhere = raiseAlert(rig.t.svc.aircraft, NOWHERE, 'battery_low');
    const shown = {} as Record<UserName, string>;
    for (const u of NAMES) {
      const r = await api('GET', '/api/alerts/open', u);
      const ids = (r.body.aircraft as AircraftAlertView[]).map((a) => a.id);
      shown[u] = [String(r.status), ids.includes(hf) ? 'hf' : '-', ids.includes(nowhere) ? 'nowhere' : '-'].join(' ');
    }
    expect(shown).toEqual({
      'pilot-hf': '200 hf -',
      'pilot-wl': '200 - -',
      'command-hf': '200 hf -',
      'command-wl': '200 - -',
      'command-city': '200 hf nowhere',
      'admin-city': '200 hf nowhere',
    });
  });

  it("POST ack of an aircraft alert: another station's refused 403 and left unacknowledged, one by one or in bulk", async () => {
    const mine = raiseAlert(rig.t.svc.aircraft, HF_QUIET, 'gps_degraded');
    const nowhere = raiseAlert(rig.t.svc.aircraft, NOWHERE, 'gps_degraded');
    const ack = (u: UserName, id: number) => api('POST', `/api/aircraft-alerts/${id}/ack`, u);
    expect({
      wlPilot: outcome(await ack('pilot-wl', mine)),
      wlCommand: outcome(await ack('command-wl', mine)),
      wlBulk: outcome(await api('POST', '/api/aircraft-alerts/ack', 'command-wl', { ids: [mine] })),
      hfOnNowhere: outcome(await ack('command-hf', nowhere)),
      hfBulkWithNowhere: outcome(await api('POST', '/api/aircraft-alerts/ack', 'command-hf', { ids: [mine, nowhere] })),
      admin: outcome(await ack('admin-city', mine)),
    }).toEqual({
      wlPilot: '403 scope_other_station',
      wlCommand: '403 scope_other_station',
      wlBulk: '403 scope_other_station',
      hfOnNowhere: '403 scope_other_station',
      hfBulkWithNowhere: '403 scope_other_station',
      admin: '403 role_needed',
    });
    // A drone no node knows is named as of station "?".
    expect((await ack('command-hf', nowhere)).body.said.params).toEqual({ vehicle: NOWHERE, station: '?', user: 'command-hf', scope: 'hf' });
    const open = rig.t.svc.aircraft.open();
    expect(open.filter((a) => a.id === mine || a.id === nowhere).map((a) => a.acknowledgedBy)).toEqual([null, null]);
    expect(outcome(await ack('command-hf', mine))).toBe('200');
    expect(outcome(await ack('command-city', nowhere))).toBe('200');
  });

  it("GET /api/video: the camera of hf's drone listed for hf and the city, not for wl", async () => {
    expect(await matrix(NAMES, (u) => api('GET', '/api/video', u), hasVehicle(VID))).toEqual(SEEN_BY_HF_AND_CITY);
  });

  it("the video socket of hf's drone: opened for hf's command room, refused 403 for wl's, saying why", async () => {
    const hf = await videoClient(rig.t.base, VID, { token: token['command-hf'] });
    const wl = await videoClient(rig.t.base, VID, { token: token['command-wl'] });
    hf.ws.close();
    expect(hf.refused).toBeNull();
    expect(wl.refused?.status).toBe(403);
    expect(JSON.parse(wl.refused!.body).error).toBe('sim-1 belongs to station hf; command-wl works for station wl');
  });

  it("the live socket: a wl page gets an empty snapshot and no word of hf's drone; an hf page gets it all", async () => {
    type Heard = {
      snapshot: VehicleView[] | null;
      updates: number;
      control: Record<string, string> | null;
      runs: RunView[] | null;
      alerts: AircraftAlertView[];
    };
    const listen = (u: UserName) => {
      const heard: Heard = { snapshot: null, updates: 0, control: null, runs: null, alerts: [] };
      const s = rig.t.socket(token[u]);
      s.on('vehicles:snapshot', (vs) => (heard.snapshot ??= vs));
      s.on('vehicles:update', (vs) => (heard.updates += vs.filter((v) => v.id === VID).length));
      s.on('control', (c) => (heard.control ??= c));
      s.on('runs', (rs) => (heard.runs ??= rs));
      s.on('alerts:aircraft', (as) => heard.alerts.push(...as));
      return heard;
    };
    const wl = listen('command-wl');
    const hf = listen('command-hf');
    // The drone is flying: hf's page hears it many times a second, so wl's would have too.
    await waitFor('10 updates of sim-1 on the hf page', () => hf.updates >= 10, 20_000);
    expect(hf.snapshot?.map((v) => v.id)).toEqual([VID]);
    expect(hf.control).toEqual({ [VID]: 'pilot-hf' });
    expect(hf.runs?.map((r) => r.id)).toEqual([runId]);
    expect(hf.alerts.some((a) => a.vehicleId === HF_QUIET)).toBe(true);
    expect(wl).toEqual({ snapshot: [], updates: 0, control: {}, runs: [], alerts: [] });
  });
});
