/**
 * The baseline server for the fan-out and dispatch benchmarks, in a process of its own: the
 * least code that does the same job with the same libraries (node-mavlink's stock pipeline,
 * express, socket.io) and none of SkyBeat's duties (no auth checks, database, audit, alert
 * rules, tracks, tlogs, escalation). Same events and shapes, so the same clients measure both.
 *   live:     UDP in → positions by sysid → 'vehicles:update' [{id, position}] every batchMs (volatile)
 *   dispatch: POST /api/alerts {lat, lon} → 'ground:offer' to the nearest 2 officers on duty
 */
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { getDistance } from 'geolib';
import { MavLinkPacketParser, MavLinkPacketSplitter, common, type MavLinkPacket } from 'node-mavlink';
import { Server } from 'socket.io';

export interface BareOptions {
  udpPorts: number;
  batchMs: number;
}

/** Start the bare server in a child process; resolves with its HTTP port and UDP ports. */
export async function startBareServer(opts: BareOptions): Promise<{ pid: number; base: string; udpPorts: number[]; stop(): Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const ready = await new Promise<{ port: number; udpPorts: number[] }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { port: number; udpPorts: number[] }));
    child.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
    child.send(opts);
  });
  return {
    pid: child.pid!,
    base: `http://127.0.0.1:${ready.port}`,
    udpPorts: ready.udpPorts,
    async stop() {
      child.removeAllListeners('exit');
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function run(opts: BareOptions): Promise<void> {
  const app = express();
  app.use(express.json());
  const server = http.createServer(app);
  const io = new Server(server, { serveClient: false });

  // live positions
  type View = { id: string; position: { lat: number; lon: number; altMsl: number; altRel: number } };
  const latest = new Map<string, View>();
  const dirty = new Set<string>();
  const udpPorts: number[] = [];
  for (let l = 1; l <= opts.udpPorts; l++) {
    const socket = dgram.createSocket('udp4');
    const pipes = new Map<string, MavLinkPacketSplitter>();
    socket.on('message', (msg, rinfo) => {
      const key = `${rinfo.address}:${rinfo.port}`;
      let splitter = pipes.get(key);
      if (!splitter) {
        splitter = new MavLinkPacketSplitter();
        splitter.pipe(new MavLinkPacketParser()).on('data', (p: MavLinkPacket) => {
          if (p.header.msgid !== common.GlobalPositionInt.MSG_ID) return;
          const m = p.protocol.data(p.payload, common.GlobalPositionInt);
          const id = `l${l}-${p.header.sysid}`;
          latest.set(id, { id, position: { lat: m.lat / 1e7, lon: m.lon / 1e7, altMsl: m.alt / 1000, altRel: m.relativeAlt / 1000 } });
          dirty.add(id);
        });
        pipes.set(key, splitter);
      }
      splitter.write(msg);
    });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    udpPorts.push(socket.address().port);
  }
  setInterval(() => {
    if (dirty.size === 0) return;
    const views = [...dirty].map((id) => latest.get(id)!);
    dirty.clear();
    io.volatile.emit('vehicles:update', views);
  }, opts.batchMs);

  // dispatch
  const officers = new Map<string, { onDuty: boolean; lat: number | null; lon: number | null }>();
  let nextId = 1;
  io.on('connection', (socket) => {
    const name = String(socket.handshake.auth?.name ?? socket.id);
    void socket.join(name);
    socket.on('officer:duty', (onDuty: boolean, done?: (e: null) => void) => {
      officers.set(name, { lat: null, lon: null, ...officers.get(name), onDuty });
      done?.(null);
    });
    socket.on('officer:location', (fix: { lat: number; lon: number }, done?: (e: null) => void) => {
      officers.set(name, { onDuty: false, ...officers.get(name), lat: fix.lat, lon: fix.lon });
      done?.(null);
    });
  });
  app.post('/api/alerts', (req, res) => {
    const { lat, lon } = req.body as { lat: number; lon: number };
    const alert = { id: nextId++, lat, lon, category: req.body.category, note: req.body.note ?? '' };
    const nearest = [...officers.entries()].filter(([, o]) => o.onDuty && o.lat !== null)
      .map(([n, o]) => ({ n, d: getDistance({ latitude: lat, longitude: lon }, { latitude: o.lat!, longitude: o.lon! }) }))
      .sort((a, b) => a.d - b.d).slice(0, 2);
    for (const { n } of nearest) io.to(n).timeout(5000).emit('ground:offer', alert, () => {});
    res.status(201).json(alert);
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  process.send!({ port: (server.address() as { port: number }).port, udpPorts });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once('message', (m) => void run(m as BareOptions));
  process.on('SIGTERM', () => process.exit(0));
}
