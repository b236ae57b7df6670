/**
 * The command room's dispatch desk (issue 14, items 1, 2 and 4): incidents get their own number
 * per station and day; the dispatcher alerts the next wave now or gives the job to an officer
 * chosen from a list sorted by ETA; each incident says since when it is in its state and from when
 * it is overdue; cleared aircraft alerts are acknowledged in one request.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroundDispatch } from '../../server/alerts/ground.ts';
import { numberPrefix, stationDay } from '../../server/alerts/incident-number.ts';
import { Officers } from '../../server/alerts/officers.ts';
import { ConfigError, loadConfig, serviceOptions, type Config } from '../../server/config.ts';
import { openStore } from '../../server/store/index.ts';
import type { DispatchCandidate, GroundAlertView } from '../../server/wire/types.ts';
import { raiseAlert, type LevelRuleName } from '../helpers/aircraft-alerts.ts';
import { describeEachBackend } from '../helpers/backends.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { officerPhone, SCENE } from '../helpers/officers.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();
afterEach(() => vi.useRealTimers());

type AuditEntry = { user: string; action: string; target: string | null; result: string; detail: Record<string, unknown> };
const HF = { code: 'HF', timeZone: 'Asia/Shanghai' };

async function start(extra: Parameters<typeof testService>[0] = {}) {
  const t = await testService({ dispatch: { waveSize: 1 }, station: { ...SCENE, radiusKm: 30 }, incidentNumbers: HF, ...extra });
  cleanup.push(() => t.close());
  return { t, room: await t.user('room', ['command']), admin: await t.login('admin', ADMIN_PASSWORD) };
}

describe('incident numbers', () => {
  it("count per station and day, apart from the aircraft alerts' ids, and name the incident in its view, the history and the audit", async () => {
    const { t, room, admin } = await start();
    const raise = async () => (await t.api('POST', '/api/alerts', room, { category: 'theft', ...SCENE })).body as GroundAlertView;
    const first = await raise();
    raiseAlert(t.svc.aircraft, 'l1-1', 'battery_low');
    raiseAlert(t.svc.aircraft, 'l1-2', 'battery_low');
    const second = await raise();
    const third = await raise();
    const day = stationDay(Date.now(), 'Asia/Shanghai');
    expect([first, second, third].map((a) => a.number)).toEqual([`HF-${day}-001`, `HF-${day}-002`, `HF-${day}-003`]);
    // The shared id counter moved on (the aircraft alerts' ids are reserved ahead, in blocks); the number did not.
    expect(second.id).toBeGreaterThan(first.id);
    expect((await t.api('GET', `/api/alerts/${second.id}`, room)).body.number).toBe(`HF-${day}-002`);
    expect(((await t.api('GET', '/api/alerts', room)).body as GroundAlertView[]).map((a) => a.number)).toEqual([3, 2, 1].map((n) => `HF-${day}-00${n}`));
    expect(((await t.api('GET', '/api/alerts/log', room)).body as { number: string }[]).map((a) => a.number)).toEqual([3, 2, 1].map((n) => `HF-${day}-00${n}`));
    // The audit says the number wherever it acts on an incident, done or refused.
    await t.api('POST', `/api/alerts/${first.id}/close`, room, { outcome: 'unfounded' });
    await t.api('POST', `/api/alerts/${first.id}/close`, room, { outcome: 'unfounded' });
    const audit = (await t.api('GET', '/api/audit?limit=50', admin)).body as AuditEntry[];
    const about = (action: string) => audit.filter((e) => e.action === action).map((e) => [e.target, e.result, e.detail.number]);
    expect(about('alert.create')).toEqual([3, 2, 1].map((n) => [String([first, second, third][n - 1]!.id), 'ok', `HF-${day}-00${n}`]));
    expect(about('alert.close')).toEqual([[String(first.id), 'refused', `HF-${day}-001`], [String(first.id), 'ok', `HF-${day}-001`]]);
  });

  it('station.code and station.timeZone are checked, named when wrong, and default to JQ and Asia/Shanghai', () => {
    const file = (content: unknown) => {
      const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-cfg-')), 'skybeat.config.json');
      fs.writeFileSync(f, JSON.stringify(content));
      return f;
    };
    expect(serviceOptions(loadConfig([], {}) as Config).incidentNumbers).toEqual({ code: 'JQ', timeZone: 'Asia/Shanghai' });
    expect(serviceOptions(loadConfig(['--config', file({ station: { code: 'HF', timeZone: 'Europe/Berlin' } })], {}) as Config).incidentNumbers)
      .toEqual({ code: 'HF', timeZone: 'Europe/Berlin' });
    const fails = (content: unknown) => {
      try {
        loadConfig(['--config', file(content)], {});
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(fails({ station: { code: 'hf-1' } })).toMatch(/station\.code: a capital letter then up to 7 capital letters or digits/);
    expect(fails({ station: { code: 'ABCDEFGHI' } })).toMatch(/station\.code: /);
    expect(fails({ station: { timeZone: 'Mars/Olympus' } })).toMatch(/station\.timeZone: unknown time zone "Mars\/Olympus"/);
  });
});

describeEachBackend('incident numbers, at the start of dispatch', (backend) => {
  it('incidents from before numbers (as migration 004 leaves them) are numbered when dispatch starts, by their own day', async () => {
    const store = await backend.open();
    const numbering = (at: number) => numberPrefix(HF, at);
    const input = { category: 'theft', priority: 2, ...SCENE, note: '', vehicleId: null, createdBy: 'room' };
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 11, 1, 16, 0)); // midnight in Shanghai: 2 December there
    await store.groundAlerts.create(input, numbering);
    vi.setSystemTime(Date.UTC(2026, 11, 2, 1, 0));
    const old = [await store.groundAlerts.create(input, numbering), await store.groundAlerts.create(input, numbering)];
    await store.db.k.updateTable('alerts').set({ incident_no: null }).where('id', 'in', old.map((r) => r.id)).execute();
    await store.db.k.updateTable('alerts').set({ created_at: Date.UTC(2026, 10, 30, 3, 0) }).where('id', '=', old[0]!.id).execute();
    const dispatch = await GroundDispatch.open(store.groundAlerts, new Officers(), undefined, HF);
    cleanup.push(() => dispatch.stop());
    expect(await Promise.all(old.map(async (r) => (await dispatch.view(r.id))!.number))).toEqual(['HF-20261130-001', 'HF-20261202-002']);
    expect((await dispatch.create({ category: 'theft', priority: 2, ...SCENE, note: '', vehicleId: null }, 'room')).number).toBe('HF-20261202-003');
  });
});

describe('the dispatcher acts on an incident nobody takes', () => {
  it('alerts the next wave now (audited); refuses, writing nothing, when nobody is left or someone has it', async () => {
    const { t, room, admin } = await start();
    const chen = await officerPhone(t, 'chen', 100);
    const wang = await officerPhone(t, 'wang', 900);
    const a = (await t.api('POST', '/api/alerts', room, { category: 'fight', ...SCENE })).body as GroundAlertView;
    await waitFor('offer to chen', () => chen.offers.some((x) => x.id === a.id));
    expect(a.dispatch.map((d) => d.officer)).toEqual(['chen']);

    const next = await t.api('POST', `/api/alerts/${a.id}/next-wave`, room);
    expect(next.status).toBe(200);
    expect((next.body as GroundAlertView).dispatch.map((d) => d.officer)).toEqual(['chen', 'wang']);
    await waitFor(
      'offer to wang, delivered',
      async () => (await t.svc.store.groundAlerts.events(a.id)).some((e) => e.kind === 'delivered' && e.user === 'wang'),
    );
    // The dispatcher acted: the incident is overdue escalateAfterS from now, not from when it was raised.
    const wave = (await t.svc.store.groundAlerts.events(a.id)).find((e) => e.kind === 'wave_requested')!;
    expect(wave.user).toBe('room');
    expect((next.body as GroundAlertView).overdueAt).toBe(wave.time + 60_000);

    const events = await t.svc.store.groundAlerts.events(a.id);
    const none = await t.api('POST', `/api/alerts/${a.id}/next-wave`, room);
    expect(none).toMatchObject({ status: 409, body: { code: 'wave_nobody_left', error: expect.stringContaining('no officer left to alert') } });
    expect(await t.svc.store.groundAlerts.events(a.id)).toEqual(events);

    expect((await t.api('POST', `/api/alerts/${a.id}/answer`, wang.token, { answer: 'accept' })).status).toBe(200);
    expect(await t.api('POST', `/api/alerts/${a.id}/next-wave`, room)).toMatchObject({ status: 409, body: { code: 'wave_not_waiting' } });
    expect((await t.api('POST', `/api/alerts/${a.id}/next-wave`, chen.token)).status).toBe(403);
    const audit = (await t.api('GET', '/api/audit?action=alert.next_wave', admin)).body as AuditEntry[];
    expect(audit.map((e) => [e.user, e.result, e.detail.number])).toEqual([['room', 'refused', a.number], ['room', 'refused', a.number], [
      'room',
      'ok',
      a.number,
    ]]);
  });

  it('lists the officers to assign it to: reachable ones on duty by ETA, then the rest, with duty, phone and job', async () => {
    const { t, room } = await start({ dispatch: { waveSize: 1, phoneOfflineGraceMs: 0 } });
    const far = await officerPhone(t, 'far', 2000);
    await officerPhone(t, 'near', 300);
    await officerPhone(t, 'mid', 800);
    await t.user('home', ['officer']); // never came on duty
    const gone = await officerPhone(t, 'gone', 50);
    gone.socket.close();
    await t.user('room2', ['command']); // not an officer: not listed
    const a = (await t.api('POST', '/api/alerts', room, { category: 'fight', ...SCENE })).body as GroundAlertView;
    expect(a.dispatch.map((d) => d.officer)).toEqual(['near']);
    await waitFor("far's phone", () => far.socket.connected);

    const list = (await t.api('GET', `/api/alerts/${a.id}/candidates`, room)).body as DispatchCandidate[];
    expect(list.map((c) => c.name)).toEqual(['near', 'mid', 'far', 'gone', 'home']);
    const near = list[0]!;
    expect(near).toMatchObject({ onDuty: true, phoneOnline: true, reachable: true, alerted: true, answer: null, busyWith: null });
    expect(near.distanceM).toBeGreaterThan(280);
    expect(near.distanceM).toBeLessThan(320);
    expect(near.etaS).toBe(Math.round(near.distanceM! / 5));
    expect(list[1]).toMatchObject({ name: 'mid', alerted: false });
    expect(list.find((c) => c.name === 'gone')).toMatchObject({ onDuty: true, phoneOnline: false, reachable: false });
    expect(list.find((c) => c.name === 'home')).toMatchObject({ onDuty: false, phoneOnline: false, distanceM: null, etaS: null });
    expect((await t.api('GET', '/api/alerts/99999/candidates', room)).status).toBe(404);
  });
});

describe("an incident's clocks", () => {
  it('stateSince follows its state; overdueAt is escalateAfterS after it was raised or last sent on by the dispatcher, not after an automatic wave, and ends once accepted', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-clock-'));
    const store = await openStore(dataDir);
    cleanup.push(() => store.close());
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: Date.UTC(2026, 11, 2, 2, 0) });
    const officers = new Officers();
    const dispatch = await GroundDispatch.open(store.groundAlerts, officers, {
      waveSize: 1,
      escalateAfterMs: 60_000,
      assumedSpeedMps: 5,
      phoneOfflineGraceMs: 60_000,
      createPerMinute: 20,
    }, HF);
    cleanup.push(() => dispatch.stop());
    for (const [name, north] of [['chen', 100], ['wang', 500], ['li', 900]] as const) {
      officers.phoneConnected(name, name);
      officers.setDuty(name, name, true);
      officers.setLocation(name, SCENE.lat + north / 111_320, SCENE.lon, 5);
    }
    const raisedAt = Date.now();
    const a = await dispatch.create({ category: 'fight', priority: 1, ...SCENE, note: '', vehicleId: null }, 'room');
    expect(a).toMatchObject({ state: 'dispatched', stateSince: raisedAt, overdueAt: raisedAt + 60_000 });

    // The automatic wave at 60 s alerts wang; the incident is overdue all the same.
    await vi.advanceTimersByTimeAsync(60_000);
    await dispatch.idle();
    const waved = (await dispatch.view(a.id))!;
    expect(waved.dispatch.map((d) => d.officer)).toEqual(['chen', 'wang']);
    expect(waved).toMatchObject({ stateSince: raisedAt, overdueAt: raisedAt + 60_000 });

    // The dispatcher sends it on: a new minute starts.
    await vi.advanceTimersByTimeAsync(15_000);
    const sentAt = Date.now();
    expect(await dispatch.nextWave(a.id, 'room')).toMatchObject({ stateSince: raisedAt, overdueAt: sentAt + 60_000 });

    await vi.advanceTimersByTimeAsync(5_000);
    const acceptedAt = Date.now();
    expect(await dispatch.answer(a.id, 'li', 'accept')).toMatchObject({ state: 'accepted', stateSince: acceptedAt, overdueAt: null });
    await vi.advanceTimersByTimeAsync(5_000);
    const assignedAt = Date.now();
    // Given to someone else: waiting again, from the dispatcher's act.
    expect(await dispatch.reassign(a.id, 'chen', 'room')).toMatchObject({ state: 'dispatched', stateSince: assignedAt, overdueAt: assignedAt + 60_000 });
  });
});

describe('aircraft alerts acknowledged in bulk', () => {
  it('acknowledges the given ones in one request (audited once); an id that is not an aircraft alert refuses all, naming it', async () => {
    const { t, room, admin } = await start();
    const over = (vehicle: string, rule: LevelRuleName) => raiseAlert(t.svc.aircraft, vehicle, rule, true);
    const ids = [over('l1-1', 'battery_low'), over('l1-1', 'gps_degraded'), over('l1-2', 'link_lost')];
    // What the pages see, and (once written) what the database holds.
    const acknowledgedBy = async () => (await Promise.all(ids.map((id) => t.svc.aircraft.get(id)))).map((a) => a!.acknowledgedBy);
    const stored = async () => (await Promise.all(ids.map((id) => t.svc.store.alerts.aircraft(id)))).map((a) => a!.acknowledgedBy);
    expect(((await t.api('GET', '/api/alerts/open', room)).body.aircraft as { id: number }[]).map((a) => a.id)).toEqual(ids);
    const ground = (await t.api('POST', '/api/alerts', room, { category: 'theft', ...SCENE })).body.id as number;

    const refused = await t.api('POST', '/api/aircraft-alerts/ack', room, { ids: [ids[0], ground, 999999] });
    expect(refused).toMatchObject({ status: 404, body: { error: `ids: no aircraft alert ${ground}, 999999; none acknowledged` } });
    expect(await acknowledgedBy()).toEqual([null, null, null]);
    expect((await t.api('POST', '/api/aircraft-alerts/ack', room, { ids: [] })).status).toBe(400);

    const pilot = await t.user('pilot', ['pilot']);
    expect((await t.api('POST', `/api/aircraft-alerts/${ids[2]}/ack`, pilot)).status).toBe(200);
    const done = await t.api('POST', '/api/aircraft-alerts/ack', room, { ids });
    expect(done).toMatchObject({ status: 200, body: { acknowledged: [ids[0], ids[1]], already: [ids[2]] } });
    expect(await acknowledgedBy()).toEqual(['room', 'room', 'pilot']);
    await t.svc.aircraft.saved();
    expect(await stored()).toEqual(['room', 'room', 'pilot']);
    expect((await t.api('GET', '/api/alerts/open', room)).body.aircraft as unknown[]).toEqual([]);
    const audit = (await t.api('GET', '/api/audit?action=alert.ack_bulk', admin)).body as AuditEntry[];
    expect(audit.map((e) => [e.user, e.result])).toEqual([['room', 'ok'], ['room', 'refused']]);
  });
});
