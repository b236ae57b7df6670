import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { AircraftMonitor } from '../../server/alerts/aircraft-monitor.ts';
import { openStore } from '../../server/store/index.ts';
import type { AircraftAlertView } from '../../server/wire/types.ts';
import { groundStation } from '../helpers/ground.ts';
import { describeWithFixtures, fixture } from '../helpers/shared.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const cleanup = cleanupAfterEach();

describeWithFixtures('aircraft alerts from the real battery-failsafe capture', () => {
  it('raises the failsafe, the RTL mode change, the battery and the autopilot warnings, each once', async () => {
    const store = await openStore(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-alerts-')));
    cleanup.push(() => store.close());
    const gs = await groundStation({ l1: `tlog://${fixture('ardupilot/failsafe-battery.tlog')}?speed=0` });
    cleanup.push(() => gs.close());
    const monitor = await AircraftMonitor.open(gs.fleet, store.alerts);
    cleanup.push(() => monitor.close());
    const raised: AircraftAlertView[] = [];
    monitor.on('alert', (a) => {
      if (!raised.some((r) => r.id === a.id)) raised.push(a);
    });
    await waitFor('end of log', () => gs.conns[0]!.link.state === 'down', 20_000);

    const open = monitor.open().filter((a) => a.clearedAt === null);
    const by = (rule: string) => open.filter((a) => a.rule === rule);
    // Battery 64 % at the failsafe, 18 % at the end: low (30 %), not critical (15 %).
    expect(by('battery_low').map((a) => [a.severity, a.message])).toEqual([['caution', 'battery low: 18%']]);
    expect(by('battery_critical')).toEqual([]);
    expect(by('failsafe').map((a) => [a.severity, a.message])).toEqual([['warning', 'failsafe: autopilot reports CRITICAL in RTL']]);
    // The script that flew it was not us, so every mode change is "on its own"; into RTL is red.
    expect(by('mode_change').map((a) => [a.severity, a.message])).toEqual([
      ['caution', 'mode changed on its own: STABILIZE → GUIDED'],
      ['caution', 'mode changed on its own: GUIDED → AUTO'],
      ['warning', 'mode changed on its own: AUTO → RTL'],
    ]);
    const texts = by('autopilot_message').map((a) => `${a.severity} ${a.message}`);
    expect(texts).toContain('caution autopilot: Battery Failsafe');
    expect(texts).toContain('warning autopilot: Arm: Need Position Estimate');
    expect(texts.some((t) => t.startsWith('caution autopilot: Battery 1 is low 11.29V'))).toBe(true);
    // Seven refused arms said "Need Position Estimate" seven times: still one alert.
    expect(texts.filter((t) => t === 'warning autopilot: Arm: Need Position Estimate')).toHaveLength(1);
    // GPS was good all along; the ceiling was never near.
    expect(by('gps_lost').concat(by('gps_degraded'), by('altitude_ceiling'))).toEqual([]);

    // Acknowledging an event alert ends it; a level alert stays while its condition holds.
    const rtl = by('mode_change').at(-1)!;
    expect(await monitor.acknowledge(rtl.id, 'pilot1')).toMatchObject({ acknowledgedBy: 'pilot1', clearedAt: expect.any(Number) });
    const low = by('battery_low')[0]!;
    expect(await monitor.acknowledge(low.id, 'pilot1')).toMatchObject({ acknowledgedBy: 'pilot1', clearedAt: null });

    // Then the log ends: the drone falls silent and its link is lost.
    await waitFor('link lost alert', () => monitor.open().find((a) => a.rule === 'link_lost' && a.clearedAt === null), 8000);
    // What the pages were shown at once is what the database holds, once written.
    await monitor.saved();
    expect(await store.alerts.openAircraft()).toEqual(monitor.open());
  });
});
