import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { occurrences, parseSchedule } from '../../server/patrols/schedule.ts';
import type { DuePatrol } from '../../server/wire/types.ts';
import { waitFor } from '../helpers/wait.ts';
import { patrolRig, shortPlan } from './rig.ts';

const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

describe('route schedules', () => {
  it.each([
    ['每晚 21:30 / nightly 21:30', ['21:30']],
    ['20:00, 22:00, 00:30', ['00:30', '20:00', '22:00']],
    ['19:00-02:00 every 2h', ['01:00', '19:00', '21:00', '23:00']],
    ['19:00-02:00 每2小时', ['01:00', '19:00', '21:00', '23:00']],
    ['21:00~23:00 every 30 min', ['21:00', '21:30', '22:00', '22:30', '23:00']],
  ])('reads "%s"', (text, times) => {
    expect(parseSchedule(text)!.times.map(hm)).toEqual(times);
  });

  it('says what is wrong with one it cannot read', () => {
    expect(parseSchedule('')).toBeNull();
    expect(() => parseSchedule('after dinner')).toThrow('schedule "after dinner": no time of day found');
    expect(() => parseSchedule('19:00-20:00 every 5 min')).toThrow(/interval of 5 min is too short/);
  });

  it('lists occurrences across midnight in local time', () => {
    const s = parseSchedule('23:00-01:00 every 1h')!;
    const from = new Date(2026, 10, 23, 22, 0).getTime();
    const got = occurrences(s, from, from + 4 * 3600_000).map((t) => new Date(t).getHours());
    expect(got).toEqual([23, 0, 1]);
  });
});

describe('due patrols', () => {
  let rig: Awaited<ReturnType<typeof patrolRig>> | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('are listed for pilots ahead of time, and launch by themselves only on a drone marked for it', async () => {
    rig = await patrolRig({ scheduler: { autoLaunch: ['sim-1'] } });
    const r = rig;
    const now = new Date();
    const soon = new Date(now.getTime() + 5 * 60_000);
    fs.writeFileSync(
      path.join(r.missionsDir, 'later.plan'),
      JSON.stringify(shortPlan(20, { schedule: `nightly ${hm(soon.getHours() * 60 + soon.getMinutes())}`, defaultDrone: 'Drone 1' })),
    );
    fs.writeFileSync(
      path.join(r.missionsDir, 'now.plan'),
      JSON.stringify(shortPlan(20, { schedule: hm(now.getHours() * 60 + now.getMinutes()), defaultDrone: 'sim-1' })),
    );
    await waitFor('routes read', () => r.t.svc.routes.get('later') && r.t.svc.routes.get('now'), 5000);
    // The scheduler ticks by itself too (every 15 s, and when a route changes) and launches at the
    // first tick after preflight passes: waiting for preflight to pass first would miss a launch
    // that came before (the drone is then flying, and preflight says so).
    await waitFor(
      'the due patrol launched',
      async () => {
        r.t.svc.scheduler.tick();
        return ((await r.t.api('GET', '/api/patrols/due', r.pilot)).body as DuePatrol[]).find((d) => d.routeId === 'now')?.runId;
      },
      30_000,
      500,
    );

    const due = (await r.t.api('GET', '/api/patrols/due', r.pilot)).body as DuePatrol[];
    const later = due.find((d) => d.routeId === 'later')!;
    expect(later).toMatchObject({ vehicleId: 'sim-1', defaultDrone: 'Drone 1', runId: null });
    expect(later.dueAt).toBeGreaterThan(Date.now());
    const launched = due.find((d) => d.routeId === 'now')!;
    expect(launched).toMatchObject({ autoLaunchProblem: null });
    expect(launched.runId).toBeGreaterThan(0);
    const run = await r.run(launched.runId!);
    expect(run).toMatchObject({ pilot: 'scheduler', routeId: 'now' });
    const admin = await r.t.login('admin', 'admin-test-password');
    // Refused while the drone was still without GPS (audited with the reason), then launched.
    const audit = (await r.t.api('GET', '/api/audit?user=scheduler', admin)).body as { result: string; detail: { reason?: string } }[];
    expect(audit[0]).toMatchObject({ action: 'patrol.launch', result: 'ok', target: 'sim-1' });
    expect(audit.slice(1).every((e) => e.result === 'refused' && /preflight failed/.test(e.detail.reason!))).toBe(true);
    // The later one is not launched before its time.
    expect(later.runId).toBeNull();
  });

  it('say which checks stopped a launch by themselves, as codes the pages name in their language', async () => {
    rig = await patrolRig({ scheduler: { autoLaunch: ['sim-1'] } });
    const r = rig;
    r.drone.lowBatteryNow(0.2);
    const now = new Date();
    fs.writeFileSync(
      path.join(r.missionsDir, 'now.plan'),
      JSON.stringify(shortPlan(20, { schedule: hm(now.getHours() * 60 + now.getMinutes()), defaultDrone: 'sim-1' })),
    );
    await waitFor('routes read', () => r.t.svc.routes.get('now'), 5000);
    const refused = await waitFor(
      'the launch refused for its battery',
      async () => {
        r.t.svc.scheduler.tick();
        const p = ((await r.t.api('GET', '/api/patrols/due', r.pilot)).body as DuePatrol[]).find((d) => d.routeId === 'now');
        const checks = p?.autoLaunchSaid?.params?.checks;
        return Array.isArray(checks) && checks.some((c) => typeof c === 'object' && 'term' in c && c.term === 'check_battery') && p;
      },
      30_000,
      500,
    );
    expect(refused.runId).toBeNull();
    expect(refused.autoLaunchSaid!.code).toBe('due_checks_failed');
    expect(refused.autoLaunchProblem).toMatch(/^preflight failed: .*battery \(20% \(need 50%\)\)/);
  });

  it('never launch by themselves when no drone is marked (the default)', async () => {
    rig = await patrolRig();
    const r = rig;
    const now = new Date();
    fs.writeFileSync(
      path.join(r.missionsDir, 'now.plan'),
      JSON.stringify(shortPlan(20, { schedule: hm(now.getHours() * 60 + now.getMinutes()), defaultDrone: 'sim-1' })),
    );
    await waitFor('route read', () => r.t.svc.routes.get('now'), 5000);
    await r.ready();
    r.t.svc.scheduler.tick();
    const due = (await r.t.api('GET', '/api/patrols/due', r.pilot)).body as DuePatrol[];
    expect(due.find((d) => d.routeId === 'now')).toMatchObject({ vehicleId: 'sim-1', runId: null });
    expect(r.drone.status().armed).toBe(false);
    // A pilot flies it: the slot is taken by that run.
    await r.take();
    const run = (await r.launch('now')).body.id as number;
    await waitFor(
      'slot flown',
      async () => ((await r.t.api('GET', '/api/patrols/due', r.pilot)).body as DuePatrol[]).find((d) => d.routeId === 'now')?.runId === run,
      5000,
    );
  });
});
