/**
 * Stations and scopes for incidents (警情) and officers (issue 18), as a matrix like the drones'
 * (scope-matrix.test.ts): one real service that is station "hf" (30 km around Wenling); an incident
 * in its area is hf's, one outside every station's area is the city's only. Four accounts ask every
 * incident endpoint — hf's command room, wl's (another station), the city's, and an officer of hf —
 * and the live socket is listened to by each. hf's command room gets hf's incidents and officers,
 * wl's none of them, the city's all; an officer keeps getting exactly their own jobs. Dispatch itself
 * stays city-wide: the nearest officer is offered an hf incident whatever their station.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchCandidate, DroneRequestView, GroundAlertView, IncidentLogEntry, OfficerView } from '../../server/wire/types.ts';
import { at, type LiveSocket, SCENE } from '../helpers/officers.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

type T = Awaited<ReturnType<typeof testService>>;
type Answer = { status: number; body: any };

/** the matrix's four: who asks */
const ASKERS = {
  'command-hf': { roles: ['command'], scope: 'hf' },
  'command-wl': { roles: ['command'], scope: 'wl' },
  'command-city': { roles: ['command'], scope: 'city' },
  'officer-hf': { roles: ['officer'], scope: 'hf' },
} as const;
/** officers on duty near the scene, each of a station (or the city): metres north of it */
const PHONES = {
  'officer-wl': { scope: 'wl', north: 100 },
  'officer-hf': { scope: 'hf', north: 500 },
  'officer-city': { scope: 'city', north: 2000 },
} as const;
type Asker = keyof typeof ASKERS;
type Phone = keyof typeof PHONES;
const NAMES = Object.keys(ASKERS) as Asker[];
/** Hefei, some 400 km from hf's area: no station's */
const NOWHERE = { lat: 31.8206, lon: 117.2272 };

/** What a user got, in one short string: the refusal's code, or the status and what was listed. */
function outcome(r: Answer, listed?: (body: any) => string): string {
  if (r.status === 403) return typeof r.body?.said?.code === 'string' ? `403 ${r.body.said.code}` : `403 ${JSON.stringify(r.body)}`;
  if (listed && r.status === 200) return `200 ${listed(r.body)}`;
  return String(r.status);
}

describe('stations and scopes: every incident and officer endpoint × hf, wl and the city', () => {
  let t: T;
  let admin: string;
  const token = {} as Record<Asker | Phone, string>;
  const phone = {} as Record<Phone, { socket: LiveSocket; offers: GroundAlertView[]; heard: GroundAlertView[] }>;
  /** hf's incident (raised in its area by its command room) and the city's (no station's area) */
  let hf: GroundAlertView;
  let city: GroundAlertView;
  const api = (method: string, url: string, user: Asker | Phone, body?: unknown) => t.api(method, url, token[user], body);
  const matrix = async (order: Asker[], ask: (u: Asker) => Promise<Answer>, listed?: (body: any) => string) => {
    const out = {} as Record<Asker, string>;
    for (const u of order) out[u] = outcome(await ask(u), listed);
    return out;
  };
  /** which of the two incidents a list holds: "hf city", "hf -", "- -" */
  const which = (has: (id: number) => boolean) => `${has(hf.id) ? 'hf' : '-'} ${has(city.id) ? 'city' : '-'}`;
  const ids = (list: { id: number }[]) => which((id) => list.some((a) => a.id === id));
  const addUser = async (name: string, roles: readonly string[], scope: string) => {
    const r = await t.api('POST', '/api/users', admin, { name, password: `${name}-password`, roles, scope });
    if (r.status !== 201) throw new Error(`adding ${name} (${scope}): ${r.status} ${JSON.stringify(r.body)}`);
    return t.login(name, `${name}-password`);
  };
  const connected = (s: LiveSocket) => new Promise<void>((r) => (s.connected ? r() : s.once('connect', () => r())));
  const moveTo = (p: Phone, metresNorth: number) =>
    new Promise<void>((r, reject) => phone[p].socket.emit('officer:location', at(metresNorth), (err) => (err ? reject(new Error(err)) : r())));

  beforeAll(async () => {
    // Escalation an hour away: the waves below are only those each test asks for.
    t = await testService({ station: { id: 'hf', ...SCENE, radiusKm: 30 }, dispatch: { waveSize: 1, escalateAfterMs: 3_600_000 } });
    admin = await t.login('admin', ADMIN_PASSWORD);
    for (const name of NAMES) token[name] = await addUser(name, ASKERS[name].roles, ASKERS[name].scope);
    for (const [name, { scope, north }] of Object.entries(PHONES) as [Phone, (typeof PHONES)[Phone]][]) {
      // officer-hf is one of the askers too: the same account, its phone
      token[name] ??= await addUser(name, ['officer'], scope);
      const s = t.socket(token[name]);
      const p = { socket: s, offers: [] as GroundAlertView[], heard: [] as GroundAlertView[] };
      s.on('ground:offer', (a, delivered) => {
        p.offers.push(a);
        delivered(true);
      });
      s.on('alerts:ground', (list) => p.heard.push(...list));
      phone[name] = p;
      await connected(s);
      await new Promise<void>((r) => s.emit('officer:duty', true, () => r()));
      await moveTo(name, north);
    }
    const raised = await api('POST', '/api/alerts', 'command-hf', { category: 'fight', ...SCENE, note: 'in hf' });
    if (raised.status !== 201) throw new Error(`raising hf's incident: ${raised.status} ${JSON.stringify(raised.body)}`);
    hf = raised.body;
    // No page can raise one outside every station's area (refused as implausible): the city's is made here.
    city = await t.svc.ground.create({ category: 'fire', priority: 2, note: 'nowhere', ...NOWHERE, vehicleId: null }, 'command-city');
  }, 60_000);
  afterAll(() => t?.close());

  it("dispatch is city-wide: hf's incident is offered first to the nearest officer, wl's, who keeps it on their phone", async () => {
    expect(hf.station).toBe('hf');
    await waitFor("the offer of hf's incident to officer-wl", () => phone['officer-wl'].offers.some((a) => a.id === hf.id));
    expect(phone['officer-wl'].offers.find((a) => a.id === hf.id)?.station).toBe('hf');
    expect(phone['officer-hf'].offers.some((a) => a.id === hf.id)).toBe(false);
  });

  it("GET /api/alerts, /api/alerts/open and /api/alerts/log: hf's for hf, none for wl, both for the city", async () => {
    const expected = { 'command-hf': '200 hf -', 'command-wl': '200 - -', 'command-city': '200 hf city', 'officer-hf': '403 role_needed' };
    expect(await matrix(NAMES, (u) => api('GET', '/api/alerts', u), ids)).toEqual(expected);
    expect(await matrix(NAMES, (u) => api('GET', '/api/alerts/open', u), (b: { ground: GroundAlertView[] }) => ids(b.ground))).toEqual(expected);
    expect(await matrix(NAMES, (u) => api('GET', '/api/alerts/log', u), (b: IncidentLogEntry[]) => ids(b))).toEqual(expected);
    // Each view says whose it is.
    const all = (await api('GET', '/api/alerts/open', 'command-city')).body.ground as GroundAlertView[];
    expect(Object.fromEntries(all.map((a) => [a.id, a.station]))).toEqual({ [hf.id]: 'hf', [city.id]: null });
  });

  it("a station's log is as long as asked: with limit=1 the newest of its own, not an empty page", async () => {
    // the city's incident is the newest: a page of 1 read blindly would hold it and nothing of hf's
    expect(outcome(await api('GET', '/api/alerts/log?limit=1', 'command-hf'), ids)).toBe('200 hf -');
    expect(outcome(await api('GET', '/api/alerts?limit=1', 'command-hf'), ids)).toBe('200 hf -');
    expect(outcome(await api('GET', '/api/alerts/log?limit=1', 'command-city'), ids)).toBe('200 - city');
  });

  it('GET /api/alerts/heat: the places of the same selection', async () => {
    const placed = (pts: { lat: number; lon: number }[]) =>
      which((id) => pts.some((p) => (id === hf.id ? p.lat === hf.lat && p.lon === hf.lon : p.lat === city.lat && p.lon === city.lon)));
    expect(await matrix(NAMES, (u) => api('GET', '/api/alerts/heat', u), placed)).toEqual({
      'command-hf': '200 hf -',
      'command-wl': '200 - -',
      'command-city': '200 hf city',
      'officer-hf': '403 role_needed',
    });
  });

  it("GET /api/alerts/ground.csv: each station's report of its own incidents", async () => {
    const csv = async (u: Asker) => {
      const res = await fetch(`${t.base}/api/alerts/ground.csv`, { headers: { authorization: `Bearer ${token[u]}` } });
      const text = await res.text();
      return { status: res.status, body: res.status === 200 ? text : JSON.parse(text) };
    };
    expect(await matrix(NAMES, csv, (text: string) => which((id) => text.includes(id === hf.id ? hf.number : city.number)))).toEqual({
      'command-hf': '200 hf -',
      'command-wl': '200 - -',
      'command-city': '200 hf city',
      'officer-hf': '403 role_needed',
    });
  });

  it("GET /api/alerts/:id: another station's incident, or the city's, refused 403 naming it, audited on alert:<id>", async () => {
    const read = (id: number) => (u: Asker) => api('GET', `/api/alerts/${id}`, u);
    expect(await matrix(NAMES, read(hf.id))).toEqual({
      'command-hf': '200',
      'command-wl': '403 scope_other_station',
      'command-city': '200',
      'officer-hf': '403 role_needed',
    });
    expect(await matrix(NAMES, read(city.id))).toEqual({
      'command-hf': '403 scope_other_station',
      'command-wl': '403 scope_other_station',
      'command-city': '200',
      'officer-hf': '403 role_needed',
    });
    const r = await api('GET', `/api/alerts/${hf.id}`, 'command-wl');
    expect(r.body).toEqual({
      error: `${hf.number} belongs to station hf; command-wl works for station wl`,
      said: { code: 'scope_other_station', params: { vehicle: hf.number, station: 'hf', user: 'command-wl', scope: 'wl' } },
    });
    const denied = await waitFor('the refusal in the audit', async () => {
      const rows = (await t.api('GET', '/api/audit?action=access.denied&user=command-wl', admin)).body as { target: string; detail: unknown }[];
      return rows.find((e) => e.target === `alert:${hf.id}`);
    });
    expect(denied.detail).toMatchObject({ station: 'hf', scope: 'wl' });
  });

  it("GET /api/officers: a station's command room sees its own officers, the city's every one with their station", async () => {
    const names = (list: OfficerView[]) => list.map((o) => `${o.name}@${o.station ?? 'city'}`).sort().join(' ');
    expect(await matrix(NAMES, (u) => api('GET', '/api/officers', u), names)).toEqual({
      'command-hf': '200 officer-hf@hf',
      'command-wl': '200 officer-wl@wl',
      'command-city': '200 officer-city@city officer-hf@hf officer-wl@wl',
      'officer-hf': '403 role_needed',
    });
  });

  it("GET candidates: the city's every station's officers nearest first with their station; hf's its own; of another station's incident 403", async () => {
    const list = (b: DispatchCandidate[]) => b.map((c) => `${c.name}@${c.station ?? 'city'}`).join(' ');
    expect(await matrix(NAMES, (u) => api('GET', `/api/alerts/${hf.id}/candidates`, u), list)).toEqual({
      'command-hf': '200 officer-hf@hf',
      'command-wl': '403 scope_other_station',
      'command-city': '200 officer-wl@wl officer-hf@hf officer-city@city',
      'officer-hf': '403 role_needed',
    });
    expect(await matrix(NAMES, (u) => api('GET', `/api/alerts/${city.id}/candidates`, u), (b: DispatchCandidate[]) => String(b.length))).toEqual({
      'command-hf': '403 scope_other_station',
      'command-wl': '403 scope_other_station',
      'command-city': '200 3',
      'officer-hf': '403 role_needed',
    });
  });

  it("POST next-wave: refused 403 for an incident of another station (or the city's), nothing sent; done for its own", async () => {
    const wave = (id: number) => (u: Asker) => api('POST', `/api/alerts/${id}/next-wave`, u);
    const before = (await t.svc.ground.view(city.id))!.dispatch.length;
    expect(await matrix(['command-hf', 'command-wl', 'officer-hf'], wave(city.id))).toEqual({
      'command-hf': '403 scope_other_station',
      'command-wl': '403 scope_other_station',
      'officer-hf': '403 role_needed',
    });
    expect((await t.svc.ground.view(city.id))!.dispatch).toHaveLength(before);
    expect(outcome(await api('POST', `/api/alerts/${city.id}/next-wave`, 'command-city'))).toBe('200');
    expect(outcome(await api('POST', `/api/alerts/${hf.id}/next-wave`, 'command-wl'))).toBe('403 scope_other_station');
    expect(outcome(await api('POST', `/api/alerts/${hf.id}/next-wave`, 'command-hf'))).toBe('200');
  });

  it("POST reassign: hf's room gives hf's incident to its own officer, not to wl's; wl's room cannot touch it", async () => {
    const give = (officer: Phone) => (u: Asker) => api('POST', `/api/alerts/${hf.id}/reassign`, u, { officer });
    expect(await matrix(['command-wl', 'officer-hf', 'command-hf'], give('officer-wl'))).toEqual({
      'command-wl': '403 scope_other_station',
      'officer-hf': '403 role_needed',
      'command-hf': '403 scope_other_station',
    });
    const r = await api('POST', `/api/alerts/${hf.id}/reassign`, 'command-hf', { officer: 'officer-wl' });
    expect(r.body.said.params).toEqual({ vehicle: 'officer-wl', station: 'wl', user: 'command-hf', scope: 'hf' });
    expect(outcome(await api('POST', `/api/alerts/${hf.id}/reassign`, 'command-hf', { officer: 'officer-hf' }))).toBe('200');
    expect(outcome(await api('POST', `/api/alerts/${city.id}/reassign`, 'command-city', { officer: 'officer-hf' }))).toBe('200');
    const reassigned = (await t.api('GET', '/api/audit?action=alert.reassign', admin)).body as { user: string; result: string }[];
    expect(reassigned.map((e) => [e.user, e.result])).toEqual([['command-city', 'ok'], ['command-hf', 'ok']]);
  });

  it("an officer keeps getting exactly their own jobs, whatever their station: hf's officer has both", async () => {
    await waitFor('both jobs on the phone of officer-hf', () => [hf.id, city.id].every((id) => phone['officer-hf'].offers.some((a) => a.id === id)));
    const jobs = await api('GET', '/api/officer/alerts', 'officer-hf');
    expect(jobs.status).toBe(200);
    expect((jobs.body as GroundAlertView[]).map((a) => [a.id, a.station]).sort()).toEqual([[hf.id, 'hf'], [city.id, null]].sort());
    // …and nothing of anyone else's came to the phone
    for (const a of phone['officer-hf'].heard) expect(a.dispatch.some((d) => d.officer === 'officer-hf'), `incident ${a.number}`).toBe(true);
  });

  it('POST drone-request and the requests list: a station asks for its own incidents and sees only theirs', async () => {
    const ask = (id: number) => (u: Asker) => api('POST', `/api/alerts/${id}/drone-request`, u, { note: '' });
    expect(await matrix(['command-wl', 'officer-hf', 'command-hf', 'command-city'], ask(hf.id))).toEqual({
      'command-wl': '403 scope_other_station',
      'officer-hf': '403 role_needed',
      'command-hf': '201',
      'command-city': '409',
    });
    expect(await matrix(['command-hf', 'command-wl', 'command-city'], ask(city.id))).toEqual({
      'command-hf': '403 scope_other_station',
      'command-wl': '403 scope_other_station',
      'command-city': '201',
    });
    const alertIds = (list: DroneRequestView[]) => which((id) => list.some((r) => r.alertId === id));
    expect(await matrix(NAMES, (u) => api('GET', '/api/drone-requests', u), alertIds)).toEqual({
      'command-hf': '200 hf -',
      'command-wl': '200 - -',
      'command-city': '200 hf city',
      'officer-hf': '403 role_needed',
    });
    // Cancelling one of another station's: 403, and it stays open.
    const hfRequest = ((await api('GET', '/api/drone-requests', 'command-city')).body as DroneRequestView[]).find((r) => r.alertId === hf.id)!;
    expect(outcome(await api('POST', `/api/drone-requests/${hfRequest.id}/cancel`, 'command-wl'))).toBe('403 scope_other_station');
    expect(((await api('GET', '/api/drone-requests', 'command-hf')).body as DroneRequestView[]).map((r) => r.id)).toEqual([hfRequest.id]);
  });

  it("the live socket: each command room gets its scope's incidents, officers and drone requests, at connection and as they change", async () => {
    type Heard = { incidents: GroundAlertView[]; officers: OfficerView[]; requests: DroneRequestView[][] };
    const listen = (u: Asker) => {
      const heard: Heard = { incidents: [], officers: [], requests: [] };
      const s = t.socket(token[u]);
      s.on('alerts:ground', (list) => heard.incidents.push(...list));
      s.on('officers', (list) => heard.officers.push(...list));
      s.on('drone-requests', (list) => heard.requests.push(list));
      return { s, heard };
    };
    const rooms = { hf: listen('command-hf'), wl: listen('command-wl'), city: listen('command-city') };
    await Promise.all(Object.values(rooms).map(({ s }) => connected(s)));
    const byStation = (h: Heard) => ({
      incidents: ids(h.incidents),
      officers: [...new Set(h.officers.map((o) => o.name))].sort().join(' '),
      requests: which((id) => h.requests.at(-1)?.some((r) => r.alertId === id) ?? false),
    });
    await waitFor('the drone requests on every page', () => Object.values(rooms).every(({ heard }) => heard.requests.length > 0));
    expect({ hf: byStation(rooms.hf.heard), wl: byStation(rooms.wl.heard), city: byStation(rooms.city.heard) }).toEqual({
      hf: { incidents: 'hf -', officers: 'officer-hf', requests: 'hf -' },
      wl: { incidents: '- -', officers: 'officer-wl', requests: '- -' },
      city: { incidents: 'hf city', officers: 'officer-city officer-hf officer-wl', requests: 'hf city' },
    });
    for (const { heard } of Object.values(rooms)) heard.incidents.length = heard.officers.length = 0;

    // As they change: a new incident in hf's area, one in none, and each station's officer moving.
    const more = await api('POST', '/api/alerts', 'command-city', { category: 'theft', ...SCENE, note: 'in hf too' });
    expect(more.status).toBe(201);
    const elsewhere = await t.svc.ground.create({ category: 'fire', priority: 2, note: 'nowhere again', ...NOWHERE, vehicleId: null }, 'command-city');
    await waitFor('both new incidents on the city page', () => [more.body.id, elsewhere.id].every((id) => rooms.city.heard.incidents.some((a) => a.id === id)));
    await waitFor("hf's new incident on the hf page", () => rooms.hf.heard.incidents.some((a) => a.id === more.body.id));
    // Each page in sync: its own station's officer moves after the incidents were sent, and it hears that.
    await moveTo('officer-wl', 120);
    await moveTo('officer-hf', 520);
    await waitFor('officer-wl moved, on the wl page', () => rooms.wl.heard.officers.some((o) => o.name === 'officer-wl' && o.lat === at(120).lat));
    await waitFor('officer-hf moved, on the hf page', () => rooms.hf.heard.officers.some((o) => o.name === 'officer-hf' && o.lat === at(520).lat));
    await waitFor('both moved, on the city page', () => ['officer-wl', 'officer-hf'].every((n) => rooms.city.heard.officers.some((o) => o.name === n)));
    // whose each incident heard is (hf's two, or the city's two), and which officers' changes came
    const whose = (a: GroundAlertView) => ([hf.id, more.body.id].includes(a.id) ? 'hf' : [city.id, elsewhere.id].includes(a.id) ? 'city' : `other ${a.number}`);
    const seen = (h: Heard) => ({
      incidents: [...new Set(h.incidents.map(whose))].sort().join(' '),
      officers: [...new Set(h.officers.map((o) => o.name))].filter((n) => n !== 'officer-city').sort().join(' '),
    });
    expect({ hf: seen(rooms.hf.heard), wl: seen(rooms.wl.heard), city: seen(rooms.city.heard) }).toEqual({
      hf: { incidents: 'hf', officers: 'officer-hf' },
      wl: { incidents: '', officers: 'officer-wl' },
      city: { incidents: 'city hf', officers: 'officer-hf officer-wl' },
    });
    expect(rooms.hf.heard.officers.concat(rooms.wl.heard.officers).some((o) => o.name === 'officer-city')).toBe(false);
    expect(rooms.hf.heard.incidents.find((a) => a.id === more.body.id)?.station).toBe('hf');
  });

  it("POST /api/alerts: a station raises incidents in its own area only (403 elsewhere, saying so); the city's anywhere", async () => {
    const raise = (u: Asker) => api('POST', '/api/alerts', u, { category: 'other', ...at(3000) });
    expect(await matrix(NAMES, raise)).toEqual({
      'command-hf': '201',
      'command-wl': '403 scope_place_outside',
      'command-city': '201',
      'officer-hf': '403 role_needed',
    });
    const r = await api('POST', '/api/alerts', 'command-wl', { category: 'other', ...SCENE });
    expect(r.body.error).toBe(
      `${SCENE.lat}, ${SCENE.lon} is outside the area of station wl, which command-wl works for: a station raises incidents in its own area`,
    );
  });

  it("POST close: another station's incident (or the city's) refused 403 and left open; its own closed", async () => {
    const close = (id: number) => (u: Asker) => api('POST', `/api/alerts/${id}/close`, u, { outcome: 'handled' });
    expect(await matrix(['command-wl', 'officer-hf', 'command-hf'], close(city.id))).toEqual({
      'command-wl': '403 scope_other_station',
      'officer-hf': '403 role_needed',
      'command-hf': '403 scope_other_station',
    });
    expect((await t.svc.ground.view(city.id))!.state).not.toBe('closed');
    expect(await matrix(['command-wl', 'command-hf'], close(hf.id))).toEqual({ 'command-wl': '403 scope_other_station', 'command-hf': '200' });
    expect(outcome(await api('POST', `/api/alerts/${city.id}/close`, 'command-city', { outcome: 'handled' }))).toBe('200');
  });
});
