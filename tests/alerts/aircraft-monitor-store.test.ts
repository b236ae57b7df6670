/**
 * The aircraft monitor keeps what the pages see in memory and writes behind it, in order per
 * alert: an alert shows on the map and reaches the sockets at once, whether the database answers
 * at once, slowly (a lock held) or not at all (PostgreSQL restarted: connections cut), and what
 * was shown is what the database holds once it answers. Its ids are reserved ahead, so an alert
 * has its id before anything is written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { AircraftMonitor } from '../../server/alerts/aircraft-monitor.ts';
import { condition } from '../../server/alerts/aircraft-rules.ts';
import { openStore, type Store } from '../../server/store/index.ts';
import { Fleet } from '../../server/vehicles/fleet.ts';
import { said } from '../../server/wire/messages.ts';
import type { AircraftAlertView } from '../../server/wire/types.ts';
import { raiseAlert } from '../helpers/aircraft-alerts.ts';
import { describeEachBackend, POSTGRES_URL } from '../helpers/backends.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { tcpCut } from '../helpers/tcp-cut.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();
const lower = (percent: number) => condition('warning', said('alert_battery_low', { percent }));
/** The events of an alert, as kinds, oldest first. */
const kinds = async (store: Store, id: number) => (await store.groundAlerts.events(id)).map((e) => e.kind);

async function monitorOn(store: Store, o: Parameters<typeof AircraftMonitor.open>[2] = {}) {
  const fleet = new Fleet({ sysid: 255, compid: 190 });
  cleanup.push(() => fleet.close());
  const monitor = await AircraftMonitor.open(fleet, store.alerts, o);
  cleanup.push(() => monitor.close());
  const seen: AircraftAlertView[] = [];
  monitor.on('alert', (a) => seen.push(a));
  return { fleet, monitor, seen };
}

describeEachBackend('aircraft alerts kept by the monitor', (backend) => {
  it('shown at once and written behind, in order; a new monitor carries on with the open ones and the ids reserved before', async () => {
    const store = await backend.open();
    const { fleet, monitor, seen } = await monitorOn(store, { reserveAhead: 8 });
    const low = raiseAlert(monitor, 'sim-1', 'battery_low');
    // Sent before anything was written.
    expect(seen.map((a) => [a.id, a.rule, a.severity])).toEqual([[low, 'battery_low', 'caution']]);
    monitor.setExternal({ id: 'sim-1' }, 'battery_low', lower(20));
    const lost = raiseAlert(monitor, 'sim-2', 'link_lost', true);
    expect(seen.map((a) => [a.id, a.severity, a.clearedAt !== null])).toEqual([[low, 'caution', false], [low, 'warning', false], [lost, 'warning', false], [
      lost,
      'warning',
      true,
    ]]);
    expect(await monitor.acknowledge(lost, 'pilot1')).toMatchObject({ id: lost, acknowledgedBy: 'pilot1' });
    // Over and acknowledged: it leaves what the pages see, and is still found.
    expect(monitor.open().map((a) => a.id)).toEqual([low]);
    expect(await monitor.get(lost)).toMatchObject({ acknowledgedBy: 'pilot1', clearedAt: expect.any(Number) });

    await monitor.saved();
    expect(await store.alerts.openAircraft()).toEqual(monitor.open());
    expect(await store.alerts.aircraft(lost)).toEqual(await monitor.get(lost));
    expect(await kinds(store, low)).toEqual(['raised', 'updated']);
    expect(await kinds(store, lost)).toEqual(['raised', 'cleared', 'acknowledged']);
    const unused = await store.alerts.reserved();
    expect(unused).toHaveLength(6);
    await monitor.close();

    // After a restart: the same alerts open; the condition that held is cleared by its rule, not raised again.
    const again = await AircraftMonitor.open(fleet, store.alerts, { reserveAhead: 8 });
    cleanup.push(() => again.close());
    expect(again.open()).toEqual(monitor.open());
    expect(raiseAlert(again, 'sim-3', 'gps_degraded')).toBe(unused[0]);
    again.setExternal({ id: 'sim-1' }, 'battery_low', null);
    expect(again.open().find((a) => a.id === low)).toMatchObject({ clearedAt: expect.any(Number), acknowledgedBy: null });
    await again.saved();
    expect(await store.alerts.openAircraft()).toEqual(again.open());
  });

  // A file on this machine is neither slow nor away: on PostgreSQL only.
  if (backend.name === 'PostgreSQL')
    it(
      'PostgreSQL slow (a lock held) or away (connections cut): shown at once, written in order when it answers; one raised with no id left shows when ids come',
      async () => {
        const at = new URL(POSTGRES_URL);
        const relay = await tcpCut({ host: at.hostname, port: Number(at.port || 5432) });
        cleanup.push(() => relay.close());
        const url = new URL(backend.url());
        url.port = String(relay.port);
        const store = await openStore(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-monitor-')), url.toString());
        cleanup.push(() => store.close());
        const told: string[] = [];
        const { monitor, seen } = await monitorOn(store, { reserveAhead: 4, retryMs: Array(200).fill(25), warn: (line) => told.push(line) });

        // Slow: another session holds the alerts table.
        const locker = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${url.searchParams.get('schema')}` });
        await locker.connect();
        cleanup.push(() => locker.end());
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE alerts IN ACCESS EXCLUSIVE MODE');
        const low = raiseAlert(monitor, 'sim-1', 'battery_low');
        monitor.setExternal({ id: 'sim-1' }, 'battery_low', lower(20));
        expect(seen.map((a) => [a.id, a.severity])).toEqual([[low, 'caution'], [low, 'warning']]);
        expect(monitor.open().map((a) => [a.id, a.message])).toEqual([[low, 'battery low: 20%']]);
        expect((await locker.query('SELECT state FROM alerts WHERE id = $1', [low])).rows).toEqual([{ state: 'reserved' }]);
        await locker.query('ROLLBACK');
        await monitor.saved();
        expect(await store.alerts.openAircraft()).toEqual(monitor.open());

        // Away: every connection cut and refused. Three ids are left; the fourth alert waits for one.
        relay.cut();
        const during = [
          raiseAlert(monitor, 'sim-2', 'link_lost'),
          raiseAlert(monitor, 'sim-3', 'gps_degraded', true),
          raiseAlert(monitor, 'sim-4', 'failsafe'),
        ];
        monitor.setExternal({ id: 'sim-2' }, 'link_lost', null);
        monitor.setExternal({ id: 'sim-5' }, 'battery_critical', condition('warning', said('alert_battery_critical', { percent: 9 })));
        expect(monitor.open().map((a) => a.vehicleId)).toEqual(['sim-1', 'sim-2', 'sim-3', 'sim-4']);
        // Its writes wait in the store's journal on local disk (store/write-journal.ts).
        await waitFor('the journal to find the database away', () => store.journal.state().failingSince !== null, 10_000, 25);
        expect(store.journal.state().pending).toBeGreaterThan(0);
        expect(seen.some((a) => a.vehicleId === 'sim-5')).toBe(false);

        relay.mend();
        const late = await waitFor('the alert that waited for an id, shown', () => seen.find((a) => a.vehicleId === 'sim-5'));
        expect(late.id).toBeGreaterThan(Math.max(...during));
        await monitor.saved();
        expect(await store.alerts.openAircraft()).toEqual(monitor.open());
        expect(await kinds(store, during[0]!)).toEqual(['raised', 'cleared']);
        expect(await kinds(store, during[1]!)).toEqual(['raised', 'cleared']);
        expect(store.journal.state()).toMatchObject({ pending: 0, failingSince: null, refused: 0 });
        // Nothing refused; only the ids could not be reserved while it was away, and were asked for again.
        expect(told.filter((l) => !l.startsWith('aircraft alerts: no ids reserved'))).toEqual([]);
      },
    );
});
