import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './http/app.ts';
import { attachLive } from './http/live.ts';
import { Connection } from './links/connection.ts';
import { createLink } from './links/create.ts';
import type { Link } from './links/link.ts';
import { TlogWriter } from './links/tlog.ts';
import { UdpInLink } from './links/udp.ts';
import { startSquadron, type Squadron } from './sim/squadron.ts';
import { Fleet } from './vehicles/fleet.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ServiceOptions {
  links?: string[];
  /** built-in simulated drones, talking to us over loopback UDP */
  sim?: number;
  port?: number;
  host?: string;
  dataDir: string;
  webDir?: string;
  sysid?: number;
  compid?: number;
  tileUrl?: string | null;
  recordTlogs?: boolean;
  /** simulator home (default Wenling) */
  simHome?: { lat: number; lon: number };
  log?: (line: string) => void;
}

export interface Service {
  port: number;
  fleet: Fleet;
  squadron: Squadron | null;
  close(): Promise<void>;
}

const WENLING = { lat: 28.37, lon: 121.38 };

function tlogName(dataDir: string, id: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(dataDir, 'tlogs', `${stamp}-${id}.tlog`);
}

/** Start links, fleet, HTTP and live updates (and the simulator when asked). */
export async function startService(opts: ServiceOptions): Promise<Service> {
  const log = opts.log ?? (() => {});
  const startedAt = Date.now();
  const gcs = { sysid: opts.sysid ?? 255, compid: opts.compid ?? 190 };
  const fleet = new Fleet(gcs);
  const connections: Connection[] = [];
  const record = opts.recordTlogs ?? true;

  const addLink = async (id: string, link: Link) => {
    const conn = new Connection(id, link, { ...gcs, tlog: record ? new TlogWriter(tlogName(opts.dataDir, id)) : undefined });
    link.on('state', (state, detail) => log(`link ${id} ${link.uri}: ${state}${detail ? ` (${detail})` : ''}`));
    await link.open();
    connections.push(conn);
    fleet.addConnection(conn);
    return conn;
  };

  let squadron: Squadron | null = null;
  let server: http.Server | null = null;
  try {
    for (const [i, uri] of (opts.links ?? []).entries()) await addLink(`l${i + 1}`, createLink(uri));
    if (opts.sim) {
      const simLink = new UdpInLink('udpin://127.0.0.1:0', '127.0.0.1', 0);
      await addLink('sim', simLink);
      squadron = await startSquadron({
        count: opts.sim,
        link: `udpout://127.0.0.1:${simLink.boundPort}`,
        home: opts.simHome ?? WENLING,
        demo: true,
      });
    }

    const app = createApp({
      fleet,
      startedAt,
      webDir: opts.webDir ?? path.join(ROOT, 'web', 'dist'),
      client: {
        tileUrl: opts.tileUrl === undefined ? null : opts.tileUrl,
        tileAttribution: opts.tileUrl?.includes('openstreetmap') ? '© OpenStreetMap contributors' : '',
        center: opts.simHome ?? WENLING,
      },
    });
    server = http.createServer(app);
    const live = attachLive(server, fleet);
    const srv = server;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', (err: NodeJS.ErrnoException) => reject(new Error(
        err.code === 'EADDRINUSE' ? `--port ${opts.port}: port already in use` : `--port ${opts.port}: ${err.message}`,
      )));
      srv.listen(opts.port ?? 8080, opts.host ?? '0.0.0.0', () => resolve());
    });
    const addr = srv.address();
    const port = typeof addr === 'object' && addr ? addr.port : opts.port ?? 8080;

    return {
      port,
      fleet,
      squadron,
      async close() {
        await squadron?.close();
        await live.close();
        fleet.close();
        await Promise.all(connections.map((c) => c.close()));
        srv.closeAllConnections();
        await new Promise<void>((r) => srv.close(() => r()));
      },
    };
  } catch (err) {
    await squadron?.close();
    fleet.close();
    await Promise.all(connections.map((c) => c.close()));
    server?.close();
    throw err;
  }
}
