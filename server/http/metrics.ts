import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GroundDispatch } from '../alerts/ground.ts';
import type { Fleet } from '../vehicles/fleet.ts';
import type { LiveServer } from './live.ts';

/**
 * Prometheus metrics at /metrics. Link and vehicle figures are read when scraped, so they cost
 * nothing on the telemetry path.
 */
export function createMetrics(
  o: { fleet: Fleet; io: () => LiveServer | null; ground: GroundDispatch },
): { registry: Registry; transfer(result: string): void } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'skybeat_' });
  const links = () => [...o.fleet.connections.values()];
  const counters = [
    ['skybeat_link_frames_total', 'MAVLink packets received with a good CRC', 'frames'],
    ['skybeat_link_crc_errors_total', 'MAVLink packets dropped for a bad CRC', 'crcErrors'],
    ['skybeat_link_dropped_bytes_total', 'bytes skipped as line noise', 'droppedBytes'],
    ['skybeat_link_unknown_total', 'packets of message ids no loaded dialect knows', 'unknown'],
  ] as const;
  for (const [name, help, field] of counters) {
    new Counter({
      name,
      help,
      labelNames: ['link'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of links()) this.inc({ link: c.link.uri }, c.counters()[field]);
      },
    });
  }
  new Counter({
    name: 'skybeat_link_signature_rejected_total',
    help: 'packets dropped on a signed link, by reason: unsigned, badSignature (another key or altered), replayed (old timestamp)',
    labelNames: ['link', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of links()) {
        const s = c.signatureCounters();
        if (s) { for (const [reason, n] of Object.entries(s)) this.inc({ link: c.link.uri, reason }, n); }
      }
    },
  });
  new Gauge({
    name: 'skybeat_link_up',
    help: '1 when the link is up',
    labelNames: ['link'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of links()) this.set({ link: c.link.uri }, c.link.state === 'up' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'skybeat_vehicles',
    help: 'vehicles known, by link state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const all = [...o.fleet.vehicles.values()];
      this.set({ state: 'ok' }, all.filter((v) => !v.lost).length);
      this.set({ state: 'lost' }, all.filter((v) => v.lost).length);
    },
  });
  new Gauge({
    name: 'skybeat_socket_clients',
    help: 'connected browsers and phones',
    registers: [registry],
    collect() {
      this.set(o.io()?.engine.clientsCount ?? 0);
    },
  });
  const transfers = new Counter({
    name: 'skybeat_mission_transfers_total',
    help: 'route uploads to drones by result',
    labelNames: ['result'],
    registers: [registry],
  });
  const delivery = new Histogram({
    name: 'skybeat_alert_delivery_seconds',
    help: 'from alerting an officer to the phone confirming it',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  o.ground.on('delivered', (ms) => delivery.observe(ms / 1000));
  new Counter({
    name: 'skybeat_ground_alert_views_built_total',
    help: 'ground-alert views read from the database and built (an officer moving costs none)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(o.ground.viewsBuilt);
    },
  });
  return { registry, transfer: (result) => transfers.inc({ result }) };
}
