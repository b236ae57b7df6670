/**
 * Routes and their schedules per station (issue 18) as a matrix, like the drones' (scope-matrix.test.ts):
 * one real service that is station hf "城东派出所" with a simulated copter, its missions folder
 * holding routes that name hf by its id and by its name, "wl" (a station no node of this city
 * knows: the route is the city's) and none (the city's); four accounts — hf's pilot and command
 * user, wl's pilot, a city pilot — and every route endpoint asked by each. hf's routes are hf's and
 * the city's people's; wl's pilot is refused them 403 scope_other_station (named route:<id> in the
 * audit) and does not see them in a list or among the due patrols, REST or socket; nothing of
 * theirs is written or sent. The city's routes are everyone's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stationOfRouteFrom } from '../../server/http/route-scope.ts';
import type { DuePatrol } from '../../server/wire/types.ts';
import { ADMIN_PASSWORD } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';
import { HOME, patrolRig, shortPlan } from '../patrols/rig.ts';

type Rig = Awaited<ReturnType<typeof patrolRig>>;
type Answer = { status: number; body: any };

const USERS = {
  'pilot-hf': { roles: ['pilot'], scope: 'hf' },
  'pilot-wl': { roles: ['pilot'], scope: 'wl' },
  'pilot-city': { roles: ['pilot'], scope: 'city' },
  'command-hf': { roles: ['command'], scope: 'hf' },
} as const;
type UserName = keyof typeof USERS;
const NAMES = Object.keys(USERS) as UserName[];
/** the state-changing requests: the refused first, then those who may */
const REFUSED_FIRST: UserName[] = ['pilot-wl', 'command-hf', 'pilot-city', 'pilot-hf'];

const STATION = { id: 'hf', name: '城东派出所', ...HOME, radiusKm: 50 };
/** each route of the folder and the station its metadata names */
const NAMED = { 'by-id': 'hf', 'by-name': '城东派出所', 'wl-named': 'wl', unnamed: '' } as const;
const HF_ROUTES = ['by-id', 'by-name'] as const;
const CITY_ROUTES = ['wl-named', 'unnamed'] as const;
/** a drone no node of this city knows: the drone check lets anyone through to the route's own (then 404) */
const NOWHERE = 'zz-1';

const hm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
/** a .plan naming `station`, due now (the scheduler lists it from its time until 30 min after) */
const planText = (station: string, extra: Record<string, unknown> = {}) => JSON.stringify(shortPlan(20, { station, schedule: hm(new Date()), ...extra }));

/** What a user got, in one short string: the refusal's code, or the status. */
function outcome(r: Answer): string {
  if (r.status === 403) return typeof r.body?.said?.code === 'string' ? `403 ${r.body.said.code}` : `403 ${JSON.stringify(r.body)}`;
  return String(r.status);
}

describe('stations and scopes: routes and their schedules × every scope', () => {
  let rig: Rig;
  let admin: string;
  const token = {} as Record<UserName, string>;
  const api = (method: string, url: string, user: UserName, body?: unknown) => rig.t.api(method, url, token[user], body);
  const matrix = async (order: UserName[], ask: (u: UserName) => Promise<string>) => {
    const out = {} as Record<UserName, string>;
    for (const u of order) out[u] = await ask(u);
    return out;
  };
  const file = (id: string) => path.join(rig.missionsDir, `${id}.plan`);
  const audit = async (query: string) =>
    (await rig.t.api('GET', `/api/audit?${query}`, admin)).body as { user: string; action: string; target: string; result: string; detail: any }[];
  /** hf's route: hf's people and the city's, not wl's */
  const HF_READ = { 'pilot-hf': '200', 'pilot-wl': '403 scope_other_station', 'pilot-city': '200', 'command-hf': '200' };
  const ALL_READ = { 'pilot-hf': '200', 'pilot-wl': '200', 'pilot-city': '200', 'command-hf': '200' };
  /** a change to hf's route: pilots of hf and the city; wl's refused for the station, hf's command for the role */
  const HF_CHANGE = (ok: string) => ({ 'pilot-wl': '403 scope_other_station', 'command-hf': '403 role_needed', 'pilot-city': ok, 'pilot-hf': ok });

  beforeAll(async () => {
    rig = await patrolRig({ station: STATION });
    admin = await rig.t.login('admin', ADMIN_PASSWORD);
    for (const name of NAMES) {
      const { roles, scope } = USERS[name];
      const r = await rig.t.api('POST', '/api/users', admin, { name, password: `${name}-password`, roles, scope });
      if (r.status !== 201) throw new Error(`adding ${name} (${scope}): ${r.status} ${JSON.stringify(r.body)}`);
      token[name] = await rig.t.login(name, `${name}-password`);
    }
    for (const [id, station] of Object.entries(NAMED)) fs.writeFileSync(file(id), planText(station));
    await waitFor('the routes read', () => Object.keys(NAMED).every((id) => rig.t.svc.routes.get(id)), 10_000);
  }, 60_000);
  afterAll(() => rig?.close());

  it("names: a station's id in any case, or its name as written; anything else is the city's", () => {
    const of = stationOfRouteFrom(() => [{ id: 'hf', name: '城东派出所' }, { id: 'wl', name: 'Chengxi' }, { id: 'c', name: '' }]);
    const read = (named: string | undefined) => of(named);
    expect([' HF ', '城东派出所', ' 城东派出所 ', 'Wl', 'Chengxi', 'chengxi', '', undefined, 'Wenling', '温岭市公安局城东派出所'].map(read)).toEqual(
      ['hf', 'hf', 'hf', 'wl', 'wl', null, null, null, null, null],
    );
  });

  it("GET /api/routes: hf lists its routes and the city's, wl the city's only", async () => {
    const listed = await matrix(NAMES, async (u) => {
      const r = await api('GET', '/api/routes', u);
      const ids = (r.body as { id: string }[]).map((x) => x.id).filter((id) => id in NAMED).sort();
      return `${r.status} ${ids.join(' ')}`;
    });
    expect(listed).toEqual({
      'pilot-hf': '200 by-id by-name unnamed wl-named',
      'pilot-wl': '200 unnamed wl-named',
      'pilot-city': '200 by-id by-name unnamed wl-named',
      'command-hf': '200 by-id by-name unnamed wl-named',
    });
  });

  it("GET /api/routes/:id and its export: hf's routes refused to wl, saying whose, audited on route:<id>; the city's to no one", async () => {
    for (const id of HF_ROUTES) {
      for (const url of [`/api/routes/${id}`, `/api/routes/${id}/export`, `/api/routes/${id}/export?format=waypoints`]) {
        expect(await matrix(NAMES, async (u) => outcome(await api('GET', url, u))), url).toEqual(HF_READ);
      }
    }
    for (const id of CITY_ROUTES) {
      expect(await matrix(NAMES, async (u) => outcome(await api('GET', `/api/routes/${id}`, u))), id).toEqual(ALL_READ);
    }
    const r = await api('GET', '/api/routes/by-name', 'pilot-wl');
    expect(r.body).toEqual({
      error: 'by-name belongs to station hf; pilot-wl works for station wl',
      said: { code: 'scope_other_station', params: { vehicle: 'by-name', station: 'hf', user: 'pilot-wl', scope: 'wl' } },
    });
    const denied = (await audit('action=access.denied&user=pilot-wl')).filter((e) => e.target === 'route:by-name');
    expect(denied.length).toBeGreaterThan(0);
    expect(denied[0]).toMatchObject({ result: '403', detail: { station: 'hf', scope: 'wl' } });
  });

  it("GET /api/patrols/due: a station's people get its routes' due patrols and the city's", async () => {
    rig.t.svc.scheduler.tick();
    const due = await matrix(NAMES, async (u) => {
      const r = await api('GET', '/api/patrols/due', u);
      return `${r.status} ${[...new Set((r.body as DuePatrol[]).map((d) => d.routeId))].sort().join(' ')}`;
    });
    expect(due).toEqual({
      'pilot-hf': '200 by-id by-name unnamed wl-named',
      'pilot-wl': '200 unnamed wl-named',
      'pilot-city': '200 by-id by-name unnamed wl-named',
      'command-hf': '200 by-id by-name unnamed wl-named',
    });
  });

  it("the socket's patrols:due: each scope its own list, on connecting and as routes come and change station", async () => {
    const heard = {} as Record<UserName, string[][]>;
    for (const u of NAMES) {
      heard[u] = [];
      rig.t.socket(token[u]).on('patrols:due', (due) => heard[u].push([...new Set(due.map((d) => d.routeId))].sort()));
    }
    const last = (u: UserName) => heard[u].at(-1);
    await waitFor("every page's first list", () => NAMES.every((u) => last(u)));
    expect(Object.fromEntries(NAMES.map((u) => [u, last(u)!.join(' ')]))).toEqual({
      'pilot-hf': 'by-id by-name unnamed wl-named',
      'pilot-wl': 'unnamed wl-named',
      'pilot-city': 'by-id by-name unnamed wl-named',
      'command-hf': 'by-id by-name unnamed wl-named',
    });

    // hf's new route is read (hf's page gets it), then the city's: wl's page gets the city's, hf's not.
    const schedule = hm(new Date());
    fs.writeFileSync(file('late-hf'), planText('hf', { schedule }));
    await waitFor("late-hf on hf's page", () => last('pilot-hf')!.includes('late-hf'));
    fs.writeFileSync(file('late-city'), planText('', { schedule }));
    await waitFor("late-city on wl's page", () => last('pilot-wl')!.includes('late-city'));
    expect(last('pilot-wl')).toEqual(['late-city', 'unnamed', 'wl-named']);
    expect(heard['pilot-wl'].some((list) => list.includes('late-hf'))).toBe(false);
    await waitFor("both on the city's page", () => last('pilot-city')!.includes('late-city') && last('pilot-city')!.includes('late-hf'));

    // The city's route comes to name hf, its due patrols the same (so the scheduler says nothing): gone from wl's page.
    fs.writeFileSync(file('late-city'), planText('城东派出所', { schedule }));
    await waitFor("late-city gone from wl's page", () => !last('pilot-wl')!.includes('late-city'));
    expect(last('pilot-hf')).toContain('late-city');
    for (const id of ['late-hf', 'late-city']) fs.rmSync(file(id));
    await waitFor('the late routes gone', () => !rig.t.svc.routes.get('late-hf') && !rig.t.svc.routes.get('late-city'));
  });

  it("POST /api/routes: a route naming hf is saved by hf's and the city's pilots; wl's is refused and nothing is written", async () => {
    const create = async (u: UserName) => outcome(await api('POST', '/api/routes', u, { fileName: `new-${u}.plan`, content: planText('城东派出所') }));
    expect(await matrix(REFUSED_FIRST, create)).toEqual(HF_CHANGE('201'));
    expect(fs.existsSync(file('new-pilot-wl'))).toBe(false);
    const refused = await api('POST', '/api/routes', 'pilot-wl', { fileName: 'new-pilot-wl.plan', content: planText(' HF ') });
    expect(refused.body.error).toBe('new-pilot-wl.plan belongs to station hf; pilot-wl works for station wl');
    // As route JSON (the editor's form) too.
    const json = { ...(await api('GET', '/api/routes/unnamed', 'pilot-wl')).body.route, id: 'json-wl' };
    expect(outcome(await api('POST', '/api/routes', 'pilot-wl', { ...json, meta: { ...json.meta, station: 'hf' } }))).toBe('403 scope_other_station');
    expect(fs.existsSync(file('json-wl'))).toBe(false);
    // A station no node knows names none: the route is the city's, and wl's pilot may save it.
    expect(outcome(await api('POST', '/api/routes', 'pilot-wl', { ...json, meta: { ...json.meta, station: 'wl' } }))).toBe('201');
    expect((await audit('action=route.create')).map((e) => e.user).sort()).toEqual(['pilot-city', 'pilot-hf', 'pilot-wl']);
  });

  it("PUT /api/routes/:id: hf's route replaced by hf's and the city's pilots only; no one of wl makes a route hf's", async () => {
    const replace = async (u: UserName) => outcome(await api('PUT', '/api/routes/by-id', u, { fileName: 'by-id.plan', content: planText('hf') }));
    expect(await matrix(REFUSED_FIRST, replace)).toEqual(HF_CHANGE('200'));
    expect((await audit('action=route.replace')).map((e) => e.user).sort()).toEqual(['pilot-city', 'pilot-hf']);
    // wl's pilot may replace the city's route, but not with one that names hf (by id or by name).
    const unnamed = fs.readFileSync(file('unnamed'), 'utf8');
    expect(outcome(await api('PUT', '/api/routes/unnamed', 'pilot-wl', { fileName: 'unnamed.plan', content: planText('城东派出所') }))).toBe(
      '403 scope_other_station',
    );
    const json = (await api('GET', '/api/routes/unnamed', 'pilot-wl')).body.route;
    expect(outcome(await api('PUT', '/api/routes/unnamed', 'pilot-wl', { ...json, meta: { ...json.meta, station: 'HF' } }))).toBe('403 scope_other_station');
    expect(fs.readFileSync(file('unnamed'), 'utf8')).toBe(unnamed);
    expect(outcome(await api('PUT', '/api/routes/unnamed', 'pilot-wl', { fileName: 'unnamed.plan', content: planText('') }))).toBe('200');
  });

  it("PATCH, rename and DELETE of hf's route: hf's and the city's pilots; wl's refused and the route left as it was", async () => {
    const edit = async (u: UserName) => outcome(await api('PATCH', '/api/routes/by-name', u, { notes: `by ${u}` }));
    expect(await matrix(REFUSED_FIRST, edit)).toEqual(HF_CHANGE('200'));
    expect(rig.t.svc.routes.get('by-name')!.route!.meta.notes).toBe('by pilot-hf');

    // Renamed and back, by each who may.
    const rename = async (u: UserName) => {
      const r = await api('POST', '/api/routes/by-name/rename', u, { to: `by-name-${u}` });
      if (r.status === 200) expect((await api('POST', `/api/routes/by-name-${u}/rename`, u, { to: 'by-name' })).status).toBe(200);
      return outcome(r);
    };
    expect(await matrix(REFUSED_FIRST, rename)).toEqual(HF_CHANGE('200'));
    expect(fs.existsSync(file('by-name-pilot-wl'))).toBe(false);

    // Each deletes the route made in their name naming hf (POST above); wl's copy is made here by the city's pilot.
    const made = await api('POST', '/api/routes', 'pilot-city', { fileName: 'new-pilot-wl.plan', content: planText('hf') });
    expect(made.status).toBe(201);
    fs.writeFileSync(file('new-command-hf'), planText('hf'));
    await waitFor('new-command-hf read', () => rig.t.svc.routes.get('new-command-hf'));
    const remove = async (u: UserName) => outcome(await api('DELETE', `/api/routes/new-${u}`, u));
    expect(await matrix(REFUSED_FIRST, remove)).toEqual(HF_CHANGE('204'));
    expect([fs.existsSync(file('new-pilot-wl')), fs.existsSync(file('new-pilot-hf'))]).toEqual([true, false]);
    const refusals = (await audit('action=access.denied&user=pilot-wl')).map((e) => e.target);
    expect(refusals).toEqual(expect.arrayContaining(['route:by-name', 'route:new-pilot-wl']));
  });

  it("upload and launch: another station's route is refused before anything is sent, on any drone", async () => {
    // On a drone no node knows the drone check lets everyone by: the route's check alone refuses wl's pilot.
    const upload = async (u: UserName) => outcome(await api('POST', '/api/routes/by-id/upload', u, { vehicleId: NOWHERE, confirm: true }));
    expect(await matrix(REFUSED_FIRST, upload)).toEqual(HF_CHANGE('404'));
    const launch = async (u: UserName) =>
      outcome(await api('POST', `/api/vehicles/${NOWHERE}/patrol`, u, { routeId: 'by-name', overrides: [], confirm: true }));
    expect(await matrix(REFUSED_FIRST, launch)).toEqual({ ...HF_CHANGE('409'), 'pilot-wl': '403 scope_other_station' });
    const preflight = async (u: UserName) => outcome(await api('GET', `/api/vehicles/${NOWHERE}/preflight?routeId=by-id`, u));
    expect(await matrix(REFUSED_FIRST, preflight)).toEqual({ ...HF_CHANGE('404'), 'pilot-wl': '403 scope_other_station' });
    // The city's route: wl's pilot goes on to the drone's 404 like everyone.
    expect(outcome(await api('POST', '/api/routes/unnamed/upload', 'pilot-wl', { vehicleId: NOWHERE, confirm: true }))).toBe('404');
    const denied = (await audit('action=access.denied&user=pilot-wl')).map((e) => e.target);
    expect(denied).toEqual(expect.arrayContaining(['route:by-id', 'route:by-name']));
    // Nothing of hf's routes was tried for wl's pilot: no upload or launch of theirs audited but the city route's.
    const tried = (await audit('user=pilot-wl')).filter((e) => e.action === 'mission.upload' || e.action === 'patrol.launch');
    expect(tried.map((e) => `${e.action} ${e.detail.routeId}`)).toEqual(['mission.upload unnamed']);

    // hf's pilot sends hf's route, named by the station's name, to hf's drone.
    expect((await api('POST', `/api/vehicles/${rig.vid}/control`, 'pilot-hf', { action: 'take' })).status).toBe(200);
    await rig.ready('by-name');
    const sent = await api('POST', '/api/routes/by-name/upload', 'pilot-hf', { vehicleId: rig.vid, confirm: true });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  }, 60_000);
});
