/**
 * Ingest: MAVLink packets per CPU-second from received bytes to vehicle state, on one core.
 * Baseline: node-mavlink's MavLinkPacketSplitter → MavLinkPacketParser → decode, fed the same
 * chunks in the same run (rounds alternate, medians compared).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '../server/links/connection.ts';
import { parseTlog, TlogWriter } from '../server/links/tlog.ts';
import { LinkSigning, SigningClock, SigningKey } from '../server/mavlink/signing.ts';
import { startService } from '../server/service.ts';
import { Fleet } from '../server/vehicles/fleet.ts';
import { MemoryLink } from './lib/memory-link.ts';
import { figure, median, type Bench, type Figure } from './lib/report.ts';
import { stockPipeline } from './lib/stock-pipeline.ts';
import { heartbeats, positionPackets, streamChunks } from './lib/traffic.ts';
import { SHARED_FIXTURES } from './lib/fixtures.ts';

interface Dataset {
  name: string;
  /** chunks as the link would deliver them, each with the peer it came from */
  chunks: { bytes: Buffer; peer: string }[];
  packets: number;
  /** sent once before measuring, so every sender is a known vehicle */
  warmup: { bytes: Buffer; peer: string }[];
  /** synthetic positions, one per datagram: can be made again signed, fresh timestamps each round */
  signable?: { systems: number };
}

const sysidOf = (p: Buffer) => (p[0] === 0xfd ? p[5]! : p[3]!);

/** Vehicle → ground packets of every real capture, one per chunk (as a UDP datagram or tlog replay delivers them), each sysid its own peer. */
function captures(): Dataset {
  const files = fs.readdirSync(SHARED_FIXTURES.ardupilot).filter((f) => f.endsWith('.tlog')).sort();
  const chunks = files.flatMap((f) =>
    parseTlog(fs.readFileSync(path.join(SHARED_FIXTURES.ardupilot, f)), f)
      .map((r) => r.packet).filter((p) => sysidOf(p) !== 255)
      .map((p) => ({ bytes: p, peer: `udp-${sysidOf(p)}` }))
  );
  return {
    name: `ArduCopter captures (${files.length} .tlog, 27+ message types), one packet per datagram`,
    chunks,
    packets: chunks.length,
    warmup: [],
  };
}

function synthetic(n: number, systems: number, chunkSize: number | null): Dataset {
  const packets = positionPackets(n, systems);
  const warmup = heartbeats(systems).map((b, i) => ({ bytes: b, peer: chunkSize ? 'stream' : `udp-${i + 1}` }));
  const chunks = chunkSize
    ? streamChunks(packets, chunkSize).map((b) => ({ bytes: b, peer: 'stream' }))
    : packets.map((b) => ({ bytes: b, peer: `udp-${sysidOf(b)}` }));
  return {
    name: chunkSize
      ? `GLOBAL_POSITION_INT from ${systems} sysids as a byte stream in ${chunkSize}-byte chunks (TCP, serial)`
      : `GLOBAL_POSITION_INT from ${systems} sysids, one packet per datagram`,
    chunks,
    packets: n,
    warmup,
    ...(chunkSize ? {} : { signable: { systems } }),
  };
}

/**
 * Inject the chunks, letting the event loop turn every 1000 (as a socket's reads arrive one
 * event at a time): timers, the .tlog file writes and GC run inside the measured time, as live.
 */
async function feed(link: MemoryLink, chunks: Dataset['chunks']): Promise<void> {
  for (let i = 0; i < chunks.length; i++) {
    link.inject(chunks[i]!.bytes, chunks[i]!.peer);
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setImmediate(r));
}

/** A pipeline under test: set up once per data set, then fed whole rounds (prepare, unmeasured, first). */
interface Pipeline {
  name: string;
  setup(d: Dataset): Promise<{ prepare?(): void; round(): Promise<number>; close(): Promise<void> }>;
}

const baseline: Pipeline = {
  name: 'node-mavlink splitter+parser+decode',
  async setup(d) {
    const bytes = d.chunks.map((c) => c.bytes);
    return { round: () => stockPipeline(bytes), close: async () => {} };
  },
};

/** Packets the fleet's vehicles have taken in (their connections count them per system), read after a round. */
const applied = (fleet: Fleet) => [...fleet.vehicles.values()].reduce((n, v) => n + v.sequence.received, 0);

/** Warm up with the data set's heartbeats; each round then feeds it all and counts what the fleet applied. */
function rounds(fleet: Fleet, link: MemoryLink, d: Dataset): () => Promise<number> {
  for (const c of d.warmup) link.inject(c.bytes, c.peer);
  return async () => {
    const before = applied(fleet);
    await feed(link, d.chunks);
    return applied(fleet) - before;
  };
}

/** Bytes → Connection (Framer per peer, decode) → Fleet → Vehicle.apply, nothing else listening. */
const fleetOnly: Pipeline = {
  name: 'SkyBeat link layer → Fleet/Vehicle',
  async setup(d) {
    const link = new MemoryLink();
    const conn = new Connection('b1', link, { sysid: 255, compid: 190 });
    const fleet = new Fleet({ sysid: 255, compid: 190 });
    fleet.addConnection(conn);
    return {
      round: rounds(fleet, link, d),
      async close() {
        fleet.close();
        await conn.close();
      },
    };
  },
};

const BENCH_KEY = SigningKey.fromText('bench-signing-passphrase');

/**
 * The link layer on a link with a key: the same positions, signed by the drones, each checked
 * (SHA-256 and the replay rule) before the Fleet sees it. A replayed round would be dropped, so
 * each round's packets are signed afresh, outside the measured time.
 */
const signedFleet: Pipeline = {
  name: 'SkyBeat link layer, signed link (?key=) → Fleet/Vehicle',
  async setup(d) {
    const systems = d.signable!.systems;
    const drones = new LinkSigning(BENCH_KEY, 0, new SigningClock());
    const peers = (packets: Buffer[]) => packets.map((b) => ({ bytes: b, peer: `udp-${sysidOf(b)}` }));
    const signed: Dataset = { ...d, warmup: peers(heartbeats(systems, drones)), chunks: [] };
    const link = new MemoryLink();
    link.signingKey = BENCH_KEY;
    const conn = new Connection('b1', link, { sysid: 255, compid: 190 });
    const fleet = new Fleet({ sysid: 255, compid: 190 });
    fleet.addConnection(conn);
    return {
      prepare() {
        signed.chunks = peers(positionPackets(d.packets, systems, drones));
      },
      round: rounds(fleet, link, signed),
      async close() {
        const dropped = conn.signatureCounters()!;
        if (dropped.unsigned + dropped.badSignature + dropped.replayed > 0) throw new Error(`signed bench dropped packets: ${JSON.stringify(dropped)}`);
        fleet.close();
        await conn.close();
      },
    };
  },
};

/**
 * The same bytes into a whole in-process service: the Fleet plus everything that listens to it
 * (aircraft alert rules, live-update batching, tracks, patrols, mission client) and the .tlog
 * recording every link does by default.
 */
const wholeService: Pipeline = {
  name: 'SkyBeat whole service (alerts, live, tracks, tlog)',
  async setup(d) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-bench-'));
    const svc = await startService({ dataDir, port: 0, host: '127.0.0.1', sim: 0, links: [], adminPassword: 'bench-admin-password' });
    const link = new MemoryLink();
    const tlog = new TlogWriter(path.join(dataDir, 'tlogs', 'bench.tlog'));
    const conn = new Connection('b1', link, { sysid: 255, compid: 190, tlog });
    svc.fleet.addConnection(conn);
    return {
      round: rounds(svc.fleet, link, d),
      async close() {
        await conn.close();
        await svc.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

interface Sample {
  pipeline: string;
  packets: number;
  cpuMs: number;
  wallMs: number;
}

async function measure(d: Dataset, pipelines: Pipeline[], rounds: number, log: (l: string) => void): Promise<Sample[]> {
  const ready = await Promise.all(pipelines.map(async (p) => ({ p, r: await p.setup(d) })));
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < rounds + 1; i++) {
      // Rotate the order every round so warm-up and GC debt favour no pipeline; round 0 only warms the JIT.
      for (let k = 0; k < ready.length; k++) {
        const { p, r } = ready[(i + k) % ready.length]!;
        r.prepare?.();
        (globalThis as { gc?: () => void }).gc?.();
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const n = await r.round();
        const wallMs = performance.now() - t0;
        const c = process.cpuUsage(cpu0);
        if (i > 0) samples.push({ pipeline: p.name, packets: n, cpuMs: (c.user + c.system) / 1000, wallMs });
      }
    }
  } finally {
    for (const { r } of ready) await r.close();
  }
  for (const p of pipelines) {
    const got = samples.filter((s) => s.pipeline === p.name).map((s) => s.packets);
    log(`  ${p.name}: ${[...new Set(got)].join('/')} of ${d.packets} packets per round`);
  }
  return samples;
}

const rateOf = (samples: Sample[], name: string) => median(samples.filter((s) => s.pipeline === name).map((s) => s.packets / (s.cpuMs / 1000)));

const bench: Bench = async ({ quick, log }) => {
  const rounds = quick ? 2 : 6;
  const n = quick ? 50_000 : 200_000;
  const sets: Dataset[] = [];
  if (fs.existsSync(SHARED_FIXTURES.ardupilot)) sets.push(captures());
  else log(`ingest: ${SHARED_FIXTURES.ardupilot} absent, the capture figure is left out`);
  sets.push(synthetic(n, 250, null), synthetic(n, 250, 4096));

  const figures: Figure[] = [];
  const detail: Record<string, Sample[]> = {};
  for (const d of sets) {
    log(`ingest: ${d.name}, ${d.packets} packets, ${rounds} rounds`);
    const samples = await measure(d, [baseline, fleetOnly, wholeService, ...(d.signable ? [signedFleet] : [])], rounds, log);
    detail[d.name] = samples;
    const base = { name: baseline.name, value: rateOf(samples, baseline.name) };
    for (const p of [fleetOnly, wholeService]) {
      const v = rateOf(samples, p.name);
      figures.push(figure(`${p.name} — ${d.name}`, 'packets/CPU-s', v, base, { text: '≥ baseline', met: v >= base.value }));
    }
    if (d.signable) {
      // Against the unsigned link layer of the same run: what checking signatures costs.
      const v = rateOf(samples, signedFleet.name);
      figures.push(figure(`${signedFleet.name} — ${d.name}`, 'packets/CPU-s', v, { name: fleetOnly.name, value: rateOf(samples, fleetOnly.name) }));
    }
  }
  return {
    name: 'ingest',
    title: 'Ingest: MAVLink packets per CPU-second into vehicle state (one core)',
    figures,
    notes: [
      'Rate = packets / process CPU time (user+system) of the round, median of the rounds; the rounds alternate between pipelines.',
      "Bytes enter through a socket-less Link (bench/lib/memory-link.ts), so the kernel's share is left out of both sides.",
      'The baseline decodes every packet and keeps nothing; SkyBeat frames, CRC-checks, decodes and applies to vehicle state.',
      'The signed-link figure is compared with the unsigned link layer of the same run: the ratio is what verifying MAVLink 2 signatures (SHA-256 per packet, replay check) costs.',
    ],
    detail,
  };
};

export default bench;
