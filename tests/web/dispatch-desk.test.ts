/**
 * The dispatch desk's logic on a clock moved by hand: each card's clocks, red and one ring when
 * nobody accepted in time, the counts every part of the page shows, and the per-drone groups.
 */
import { expect, it } from 'vitest';
import type { AircraftAlertView, GroundAlertView } from '../../server/wire/types.ts';
import { byDrone, deskCounts, incidentOrder } from '../../web/src/alerts/desk-lists.ts';
import { DeskClock, incidentTimes } from '../../web/src/alerts/incident-clock.ts';
import { fakeClock } from '../helpers/fake-clock.ts';

const T0 = Date.UTC(2026, 11, 2, 1, 0, 0, 400);

const incident = (id: number, over: Partial<GroundAlertView> = {}) =>
  ({
    id,
    number: `HF-20261202-00${id}`,
    category: 'fight',
    priority: 2,
    lat: 28.37,
    lon: 121.38,
    note: '',
    vehicleId: null,
    createdBy: 'room',
    createdAt: T0,
    state: 'dispatched',
    assignee: null,
    dispatch: [],
    closedAt: null,
    outcome: null,
    stateSince: T0,
    overdueAt: T0 + 60_000,
    ...over,
  }) as GroundAlertView;

const aircraft = (id: number, vehicleId: string, over: Partial<AircraftAlertView> = {}) =>
  ({
    id,
    vehicleId,
    rule: 'battery_low',
    severity: 'caution',
    message: '',
    raisedAt: T0 + id,
    clearedAt: null,
    acknowledgedBy: null,
    ...over,
  }) as AircraftAlertView;

it("ticks every card's clocks once a second and rings once for each incident nobody accepted in time", async () => {
  const fake = fakeClock(T0);
  let desk = [incident(1), incident(2, { createdAt: T0 + 30_000, stateSince: T0 + 30_000, overdueAt: T0 + 90_000 })];
  const rang: number[] = [];
  const ticks: number[] = [];
  const clock = new DeskClock(fake.clock, () => desk, (a) => rang.push(a.id), (now) => ticks.push(now));
  clock.start();
  expect(incidentTimes(desk[0]!, fake.clock.now())).toEqual({ ageS: 0, stateS: 0, overdue: false });

  await fake.advance(59_999);
  // On the second, not 400 ms past it: every card's seconds turn together.
  expect(ticks.slice(0, 3).map((t) => t - T0)).toEqual([0, 600, 1600]);
  expect(rang).toEqual([]);
  // At the moment it is due (not at the next whole second).
  await fake.advance(2);
  expect(rang).toEqual([1]);
  expect(ticks.at(-1)! - T0).toBe(60_000);
  expect(incidentTimes(desk[0]!, fake.clock.now())).toMatchObject({ ageS: 60, overdue: true });
  // Still overdue a minute later, and still one ring.
  await fake.advance(59_999);
  expect(rang).toEqual([1, 2]);
  expect(incidentTimes(desk[0]!, fake.clock.now())).toMatchObject({ ageS: 120, stateS: 120, overdue: true });

  // Accepted: no longer red; the state clock starts again.
  desk = [incident(1, { state: 'accepted', stateSince: T0 + 125_000, overdueAt: null }), desk[1]!];
  await fake.advance(10_000);
  expect(incidentTimes(desk[0]!, fake.clock.now())).toEqual({ ageS: 130, stateS: 5, overdue: false });
  // Reassigned: waiting again from the dispatcher's act; overdue again later, without a second ring.
  desk = [incident(1, { state: 'dispatched', stateSince: T0 + 130_000, overdueAt: T0 + 190_000 }), desk[1]!];
  await fake.advance(60_000);
  expect(incidentTimes(desk[0]!, fake.clock.now()).overdue).toBe(true);
  expect(rang).toEqual([1, 2]);
  // A new incident already overdue when it reaches the desk (the page opened late) rings at once on check().
  desk = [...desk, incident(3, { overdueAt: T0 })];
  clock.check();
  expect(rang).toEqual([1, 2, 3]);
  clock.stop();
  const before = ticks.length;
  await fake.advance(5_000);
  expect(ticks.length).toBe(before);
});

it('counts what the header, the sidebar tab and the desk tabs show from one rule', () => {
  const ground = [
    incident(1, { state: 'open' }),
    incident(2),
    incident(3, { state: 'accepted', overdueAt: null }),
    incident(4, { state: 'on_scene', overdueAt: null }),
  ];
  const alerts = [aircraft(10, 'sim-1'), aircraft(11, 'sim-1', { clearedAt: T0 }), aircraft(12, 'sim-2', { acknowledgedBy: 'room' })];
  expect(deskCounts(ground, alerts)).toEqual({ incidents: 2, aircraft: 2 });
  // Overdue first, then waiting, then the rest; by priority, newest first.
  const order = incidentOrder([
    incident(5, { state: 'accepted', priority: 1, overdueAt: null }),
    incident(6, { overdueAt: T0 + 999_000 }),
    incident(7, { priority: 3 }),
  ], T0 + 61_000);
  expect(order.map((a) => a.id)).toEqual([7, 6, 5]);
});

it('groups aircraft alerts per drone, worst on top and the worst drone first, and lists the cleared ones to acknowledge', () => {
  const groups = byDrone([
    aircraft(1, 'sim-1', { rule: 'battery_low', clearedAt: T0 + 5 }),
    aircraft(2, 'sim-1', { rule: 'mode_change', severity: 'warning', clearedAt: T0 + 6 }),
    aircraft(3, 'sim-1', { rule: 'battery_critical', severity: 'caution' }),
    aircraft(4, 'sim-2', { rule: 'failsafe', severity: 'warning' }),
    aircraft(5, 'sim-2', { rule: 'link_lost', severity: 'warning', clearedAt: T0 + 7, acknowledgedBy: 'pilot' }),
    aircraft(6, 'sim-3', { rule: 'gps_degraded', clearedAt: T0 + 8 }),
  ]);
  expect(groups.map((g) => [g.vehicleId, g.alerts.map((a) => a.id), g.clearedUnacknowledged])).toEqual([
    ['sim-2', [4, 5], []],
    ['sim-1', [3, 2, 1], [2, 1]],
    ['sim-3', [6], [6]],
  ]);
});
