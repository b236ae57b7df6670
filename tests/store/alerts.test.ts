/**
 * The alerts' store on SQLite and PostgreSQL alike (store/alerts.ts): aircraft alerts raised into
 * reserved ids, updated, cleared and acknowledged; incidents with their events, outcome and
 * number per station and day (unique and without gaps when many are raised at once); the
 * incident log's filters (and its heat map's, the same) and the history's box.
 */
import { sql } from 'kysely';
import { afterEach, expect, it, vi } from 'vitest';
import { numberPrefix } from '../../server/alerts/incident-number.ts';
import { said } from '../../server/wire/messages.ts';
import { describeEachBackend } from '../helpers/backends.ts';

afterEach(() => vi.useRealTimers());

const HF = { code: 'HF', timeZone: 'Asia/Shanghai' };
const numbering = (at: number) => numberPrefix(HF, at);
const SCENE = { lat: 28.37, lon: 121.38 };
const incident = (over: Partial<{ category: string; lat: number; lon: number; createdBy: string }> = {}) => ({
  category: 'theft',
  priority: 2,
  ...SCENE,
  note: '',
  vehicleId: null,
  createdBy: 'room',
  ...over,
});
const battery = (percent: number) => said('alert_battery_low', { percent });
/** Creating at a given moment: the store takes the time from the clock. */
const at = (ms: number) => vi.setSystemTime(ms);

describeEachBackend('aircraft alerts', (backend) => {
  it('raise into reserved ids (unlisted until used), update with what the pages say, clear, acknowledge', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 2, 2, 0) });
    const store = await backend.open();
    const { alerts } = store;
    const ids = await alerts.reserve(3);
    expect(ids).toHaveLength(3);
    expect(await alerts.reserved()).toEqual(ids);
    expect(await alerts.openAircraft()).toEqual([]);
    expect(await alerts.aircraft(ids[0]!)).toBeUndefined();

    const raisedAt = Date.now() - 500;
    const id = await alerts.raiseAircraft({
      id: ids[0],
      vehicleId: 'sim-1',
      rule: 'battery_low',
      severity: 'caution',
      message: 'battery low: 29%',
      said: battery(29),
      at: raisedAt,
    });
    expect(id).toBe(ids[0]);
    expect(await alerts.reserved()).toEqual(ids.slice(1));
    expect(await alerts.aircraft(id)).toEqual({
      id,
      vehicleId: 'sim-1',
      rule: 'battery_low',
      severity: 'caution',
      message: 'battery low: 29%',
      raisedAt,
      clearedAt: null,
      acknowledgedBy: null,
      said: battery(29),
    });
    // Raised again: done already, nothing twice.
    await alerts.raiseAircraft({ id, vehicleId: 'sim-1', rule: 'battery_low', severity: 'caution', message: 'battery low: 29%', at: raisedAt });
    await store.journal.drained();
    expect((await sql<{ n: number }>`SELECT count(*) AS n FROM alert_events WHERE alert_id = ${id} AND kind = 'raised'`.execute(store.db.k)).rows[0]!.n)
      .toEqual(1);
    // An id never reserved is refused (its event has no alert): at once on SQLite, set aside by the journal on PostgreSQL.
    const unreserved = alerts.raiseAircraft({ id: id + 100, vehicleId: 'sim-1', rule: 'gps_lost', severity: 'warning', message: 'no GPS' });
    if (store.db.dialect === 'sqlite') await expect(unreserved).rejects.toThrow(/FOREIGN KEY/);
    else {
      await unreserved;
      await store.journal.drained();
      expect(store.journal.state().refused).toBe(1);
    }
    expect(await alerts.aircraft(id + 100)).toBeUndefined();

    await alerts.updateAircraft(id, 'warning', 'battery low: 27%', battery(27));
    expect(await alerts.aircraft(id)).toMatchObject({ severity: 'warning', message: 'battery low: 27%', said: battery(27) });
    expect((await alerts.openAircraft()).map((a) => a.said)).toEqual([battery(27)]);
    // Without what the pages say, the last one said stays.
    await alerts.updateAircraft(id, 'warning', 'battery low: 26%');
    expect(await alerts.aircraft(id)).toMatchObject({ message: 'battery low: 26%', said: battery(27) });
    // Raised with no reserved id: a row of its own; raised before codes existed, it says null.
    const older = await alerts.raiseAircraft({ vehicleId: 'sim-2', rule: 'link_lost', severity: 'warning', message: 'link lost' });
    expect(ids).not.toContain(older);
    expect((await alerts.aircraft(older))!.said).toBeNull();

    const clearedAt = Date.now();
    await alerts.clearAircraft(id, 'condition ended');
    await alerts.clearAircraft(id, 'again'); // a second clear keeps the first time
    expect(await alerts.aircraft(id)).toMatchObject({ clearedAt, acknowledgedBy: null });
    // Over but not seen yet: still open for the pilot.
    expect((await alerts.openAircraft()).map((a) => a.id)).toEqual([id, older]);
    expect(await alerts.acknowledge(id, 'pilot1')).toMatchObject({ id, acknowledgedBy: 'pilot1', clearedAt });
    expect(await alerts.acknowledge(id, 'room')).toMatchObject({ acknowledgedBy: 'room' });
    expect((await alerts.openAircraft()).map((a) => a.id)).toEqual([older]);
    // Acknowledged but still holding: open.
    await alerts.acknowledge(older, 'pilot1');
    expect((await alerts.openAircraft()).map((a) => [a.id, a.acknowledgedBy])).toEqual([[older, 'pilot1']]);
  });

  it('acknowledges only aircraft alerts: a ground alert, a reserved id or no alert is undefined and writes nothing', async () => {
    const store = await backend.open();
    const ground = await store.groundAlerts.create(incident(), numbering);
    const [reserved] = await store.alerts.reserve(1);
    const before = await store.groundAlerts.events(ground.id);
    expect(await store.alerts.acknowledge(ground.id, 'room')).toBeUndefined();
    expect(await store.alerts.acknowledge(reserved!, 'room')).toBeUndefined();
    expect(await store.alerts.acknowledge(999_999, 'room')).toBeUndefined();
    expect(await store.groundAlerts.events(ground.id)).toEqual(before);
    expect(await store.groundAlerts.events(reserved!)).toEqual([]);
    expect(await store.alerts.aircraft(ground.id)).toBeUndefined();
    expect(await store.groundAlerts.get(reserved!)).toBeUndefined();
    await expect(store.alerts.reserve(0)).rejects.toThrow('reserve: 0 is not a number of ids');
  });
});

describeEachBackend('incidents', (backend) => {
  it('a lifecycle: created with its number and event, each step an event with its state, the outcome kept; on the desk until closed', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 2, 2, 0) });
    const { groundAlerts: ground } = await backend.open();
    const createdAt = Date.now();
    const row = await ground.create({ ...incident(), note: 'a bicycle', vehicleId: 'sim-1' }, numbering);
    expect(row).toEqual({
      id: row.id,
      category: 'theft',
      priority: 2,
      ...SCENE,
      note: 'a bicycle',
      vehicleId: 'sim-1',
      createdBy: 'room',
      createdAt,
      state: 'open',
      closedAt: null,
      outcome: null,
      outcomeNote: null,
      outcomeBy: null,
      outcomeAt: null,
      number: 'HF-20261202-001',
    });
    expect(await ground.get(row.id)).toEqual(row);
    at(createdAt + 1000);
    await ground.record(row.id, 'chen', 'notified', { distanceM: 120 }, 'dispatched');
    at(createdAt + 2000);
    await ground.record(row.id, 'chen', 'accept', { at: createdAt + 1500 }, 'accepted');
    at(createdAt + 3000);
    await ground.record(row.id, 'chen', 'resolved', undefined, 'resolved');
    // Resolved without an outcome (an old phone page): it stays on the desk.
    expect((await ground.open()).map((r) => [r.row.id, r.row.state, r.row.closedAt])).toEqual([[row.id, 'resolved', createdAt + 3000]]);
    at(createdAt + 4000);
    await ground.record(row.id, 'room', 'closed', undefined, 'closed', { code: 'arrest', note: 'caught' });
    expect(await ground.get(row.id)).toMatchObject({
      state: 'closed',
      closedAt: createdAt + 4000,
      outcome: 'arrest',
      outcomeNote: 'caught',
      outcomeBy: 'room',
      outcomeAt: createdAt + 4000,
    });
    expect(await ground.events(row.id)).toEqual([
      { time: createdAt, user: 'room', kind: 'created', detail: { category: 'theft' } },
      { time: createdAt + 1000, user: 'chen', kind: 'notified', detail: { distanceM: 120 } },
      { time: createdAt + 2000, user: 'chen', kind: 'accept', detail: { at: createdAt + 1500 } },
      { time: createdAt + 3000, user: 'chen', kind: 'resolved', detail: null },
      { time: createdAt + 4000, user: 'room', kind: 'closed', detail: { outcome: 'arrest', note: 'caught' } },
    ]);
    expect(await ground.open()).toEqual([]);
    expect(await ground.get(999_999)).toBeUndefined();
    expect(await ground.events(999_999)).toEqual([]);
  });

  it("numbers count per station and day, starting again at the station's midnight; old incidents get theirs by their own day", async () => {
    const store = await backend.open();
    const ground = store.groundAlerts;
    vi.useFakeTimers({ toFake: ['Date'] });
    // 23:59 in Shanghai is 15:59 UTC: still 1 December there.
    at(Date.UTC(2026, 11, 1, 15, 59));
    expect((await ground.create(incident(), numbering)).number).toBe('HF-20261201-001');
    // Aircraft alerts share the ids, not the numbers.
    await store.alerts.raiseAircraft({ vehicleId: 'sim-1', rule: 'link_lost', severity: 'warning', message: 'link lost' });
    expect((await ground.create(incident(), numbering)).number).toBe('HF-20261201-002');
    at(Date.UTC(2026, 11, 1, 16, 0));
    expect((await ground.create(incident(), numbering)).number).toBe('HF-20261202-001');
    // Another station's numbers (its own code) count apart.
    expect((await ground.create(incident(), (ms) => numberPrefix({ code: 'JQ', timeZone: 'Asia/Shanghai' }, ms))).number).toBe('JQ-20261202-001');
    // Incidents from before numbers (as migration 004 leaves them) are numbered by their own day, in order.
    at(Date.UTC(2026, 11, 2, 1, 0));
    const old = [await ground.create(incident(), numbering), await ground.create(incident(), numbering)];
    await store.db.k.updateTable('alerts').set({ incident_no: null }).where('id', 'in', old.map((r) => r.id)).execute();
    await store.db.k.updateTable('alerts').set({ created_at: Date.UTC(2026, 10, 30, 3, 0) }).where('id', '=', old[0]!.id).execute();
    expect(await ground.numberOld(numbering)).toBe(2);
    expect(await ground.numberOld(numbering)).toBe(0);
    expect((await Promise.all(old.map((r) => ground.get(r.id)))).map((r) => r!.number)).toEqual(['HF-20261130-001', 'HF-20261202-002']);
    expect((await ground.create(incident(), numbering)).number).toBe('HF-20261202-003');
  });

  it('20 incidents raised at once get 20 numbers of the day, none shared and none skipped', async () => {
    const { groundAlerts: ground } = await backend.open();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 2, 2, 0) });
    const rows = await Promise.all(Array.from({ length: 20 }, (_, i) => ground.create(incident({ createdBy: `room${i}` }), numbering)));
    const expected = Array.from({ length: 20 }, (_, i) => `HF-20261202-${String(i + 1).padStart(3, '0')}`);
    expect(rows.map((r) => r.number).sort()).toEqual(expected);
    // The number follows the order the rows were written in.
    expect([...rows].sort((a, b) => a.id - b.id).map((r) => r.number)).toEqual(expected);
  });

  it('the log: newest first with every event, filtered by time, category, outcome (or none) and the officer who took it (any case); its heat map the same incidents as positions only; the history by a box', async () => {
    const { groundAlerts: ground, alerts } = await backend.open();
    const t0 = Date.UTC(2026, 11, 2, 2, 0);
    vi.useFakeTimers({ toFake: ['Date'], now: t0 });
    const theft = await ground.create(incident({ lat: 28.3, lon: 121.3 }), numbering);
    await ground.record(theft.id, 'Chen', 'accept', undefined, 'accepted');
    await ground.record(theft.id, 'Chen', 'resolved', undefined, 'resolved', { code: 'arrest', note: '' });
    at(t0 + 60_000);
    const fight = await ground.create(incident({ category: 'fight', lat: 28.5, lon: 121.5 }), numbering);
    await ground.record(fight.id, 'wang', 'accept', undefined, 'accepted');
    at(t0 + 120_000);
    const other = await ground.create(incident({ category: 'other', lat: 28.4, lon: 121.4 }), numbering);
    await ground.record(other.id, 'room', 'closed', undefined, 'closed', { code: 'unfounded', note: 'nobody there' });
    // An aircraft alert shares the table: neither the log nor its heat map lists it.
    await alerts.raiseAircraft({ vehicleId: 'sim-1', rule: 'battery_low', severity: 'warning', message: 'battery 20 %', at: t0 + 30_000 });

    /** The log's incidents for a query; the heat map of the same query holds their positions, in the same order, and nothing else. */
    const ids = async (q: Parameters<typeof ground.log>[0]) => {
      const [log, heat] = await Promise.all([ground.log(q), ground.heat(q)]);
      expect(heat).toEqual(log.map((r) => ({ lat: r.row.lat, lon: r.row.lon })));
      return log.map((r) => r.row.id);
    };
    expect(await ids({})).toEqual([other.id, fight.id, theft.id]);
    const [first] = await ground.log({ category: 'theft' });
    expect(first!.row.id).toBe(theft.id);
    expect(first!.events.map((e) => [e.user, e.kind, e.detail])).toEqual([
      ['room', 'created', { category: 'theft' }],
      ['Chen', 'accept', null],
      ['Chen', 'resolved', { outcome: 'arrest', note: '' }],
    ]);
    expect(await ids({ from: t0 + 60_000 })).toEqual([other.id, fight.id]);
    expect(await ids({ to: t0 + 60_000 })).toEqual([fight.id, theft.id]);
    expect(await ids({ from: t0 + 1, to: t0 + 60_000 })).toEqual([fight.id]);
    expect(await ids({ outcome: 'none' })).toEqual([fight.id]);
    expect(await ids({ outcome: 'unfounded' })).toEqual([other.id]);
    expect(await ids({ officer: 'chen' })).toEqual([theft.id]);
    expect(await ids({ officer: 'WANG', category: 'fight' })).toEqual([fight.id]);
    expect(await ids({ officer: 'room' })).toEqual([]); // closed it, never took it
    expect(await ids({ limit: 2 })).toEqual([other.id, fight.id]);
    expect(await ids({ category: 'fire' })).toEqual([]);

    const history = async (q: Parameters<typeof ground.history>[0]) => (await ground.history(q)).map((r) => r.row.id);
    expect(await history({})).toEqual([other.id, fight.id, theft.id]);
    expect(await history({ bbox: [121.35, 28.35, 121.6, 28.6] })).toEqual([other.id, fight.id]);
    expect(await history({ bbox: [121.35, 28.35, 121.6, 28.6], to: t0 + 60_000 })).toEqual([fight.id]);
    expect((await ground.history({ from: t0 + 120_000 }))[0]!.events.map((e) => e.kind)).toEqual(['created', 'closed']);
  });
});
