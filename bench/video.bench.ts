/**
 * Live video latency and cost: from a camera's packet to the picture decoded in Chromium, through
 * the real service (its own process: RTP/UDP source → whole pictures → fMP4 → WebSocket) and the
 * real web app's video wall (Media Source Extensions), for 1 drone watched by 1 page, and for
 * 4 drones × 10 viewers (one Chromium page showing all four, nine more clients per drone in Node).
 *
 * Every picture carries its capture stamp (the simulator camera's SEI: the wall-clock time it went
 * on the network). Measured from that stamp: the packets' own arrival on this machine (a UDP socket
 * beside the service's, getting a copy of every packet: the floor); a plain relay's (RTP datagrams
 * forwarded over a WebSocket as they are, no muxing: what any relay costs at least); SkyBeat's
 * fragments arriving at a WebSocket client; and in the page, each picture appended to the
 * SourceBuffer and presented as a decoded frame (requestVideoFrameCallback's presentationTime,
 * matched to its stamp through the fragment's decode time). The service's CPU and memory over the
 * same window, and the plain relay's. A benchmark figure, not a test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { freeUdpPorts as freeTestPorts, RtpClipSender } from '../tests/helpers/rtp-feed.ts';
import { encodeClip } from '../tests/helpers/video-feed.ts';
import { startSwarm } from './lib/drone-swarm.ts';
import { startPlainRelay } from './lib/plain-video-relay.ts';
import { figure, median, quantile, type Bench, type Figure } from './lib/report.ts';
import { dataDirWithAccounts, procStats } from './lib/service-process.ts';
import { startVideoService } from './lib/video-service.ts';
import { startViewers } from './lib/video-viewers.ts';

const KBPS = 2000;
const FPS = 25;

/**
 * Installed in the page before the app: notes the capture stamp of every fragment appended to a
 * SourceBuffer (by its decode time), and, for a watched <video>, each presented frame's time.
 * Source text, as tsx would name functions with a helper the page does not have.
 */
const PROBE = `(() => {
  const UUID = [0x5b,0x7e,0x3c,0x1a,0x9d,0x4f,0x4e,0x2b,0x8a,0x61,0x0c,0x3f,0x2d,0x9e,0x7b,0x15];
  const stampOf = (nal) => {
    if (nal.length < 3 || (nal[0] & 0x1f) !== 6) return null;
    const rbsp = []; let zeros = 0;
    for (let i = 1; i < nal.length; i++) { const b = nal[i]; if (zeros >= 2 && b === 3) { zeros = 0; continue; } zeros = b === 0 ? zeros + 1 : 0; rbsp.push(b); }
    if (rbsp[0] !== 5 || rbsp[1] !== 24) return null;
    for (let i = 0; i < 16; i++) if (rbsp[2 + i] !== UUID[i]) return null;
    return new DataView(Uint8Array.from(rbsp.slice(18, 26)).buffer).getFloat64(0);
  };
  const info = (u8) => {
    const v = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    let time = null, stamp = null;
    const walk = (from, to) => {
      for (let at = from; at + 8 <= to;) {
        const size = v.getUint32(at); const type = String.fromCharCode(u8[at+4], u8[at+5], u8[at+6], u8[at+7]);
        if (size < 8) return;
        if (type === 'moof' || type === 'traf') walk(at + 8, at + size);
        else if (type === 'tfdt') time = u8[at + 8] === 1 ? Number(v.getBigUint64(at + 12)) : v.getUint32(at + 12);
        else if (type === 'mdat') for (let n = at + 8; n + 4 <= at + size && stamp === null;) { const len = v.getUint32(n); stamp = stampOf(u8.subarray(n + 4, n + 4 + len)); n += 4 + len; }
        at += size;
      }
    };
    walk(0, u8.length);
    return { time, stamp };
  };
  const byUrl = new Map();
  const create = URL.createObjectURL;
  URL.createObjectURL = function (o) { const u = create.call(URL, o); if (o instanceof MediaSource) byUrl.set(u, o); return u; };
  const add = MediaSource.prototype.addSourceBuffer;
  MediaSource.prototype.addSourceBuffer = function (mime) { const sb = add.call(this, mime); this.__stamps = new Map(); sb.__ms = this; return sb; };
  const append = SourceBuffer.prototype.appendBuffer;
  SourceBuffer.prototype.appendBuffer = function (data) {
    try {
      const u8 = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const i = info(u8);
      if (i.time !== null && i.stamp !== null) {
        const m = this.__ms.__stamps; m.set(i.time, { stamp: i.stamp, appended: performance.timeOrigin + performance.now() });
        if (m.size > 300) m.delete(m.keys().next().value);
      }
    } catch (e) {}
    return append.call(this, data);
  };
  const state = { measuring: false, decoded: [], appended: [], behind: [], frames: 0, unmatched: 0 };
  window.__video = state;
  state.seeks = 0;
  state.watch = (video) => {
    video.addEventListener('seeking', () => { if (state.measuring) state.seeks++; });
    const cb = (now, meta) => {
      video.requestVideoFrameCallback(cb);
      if (!state.measuring) return;
      state.frames++;
      const e = byUrl.get(video.src)?.__stamps.get(Math.round(meta.mediaTime * 90000));
      if (!e) { state.unmatched++; return; }
      state.decoded.push(performance.timeOrigin + meta.presentationTime - e.stamp);
      state.appended.push(e.appended - e.stamp);
      const b = video.buffered;
      if (b.length) state.behind.push((b.end(b.length - 1) - meta.mediaTime) * 1000);
    };
    video.requestVideoFrameCallback(cb);
  };
})();`;

interface Sample {
  drones: number;
  viewersPerDrone: number;
  floor: number[];
  plain: number[];
  skybeat: number[];
  appended: number[];
  decoded: number[];
  /** how far the frame presented was behind the newest picture buffered, ms */
  behind: number[];
  framesPresented: number;
  /** the player's jumps to the newest picture during the window */
  seeks: number;
  unmatched: number;
  serviceCpuPct: number;
  serviceRssMB: number;
  plainCpuPct: number;
  windowS: number;
}

async function run(
  webDir: string,
  drones: number,
  nodeViewersPerDrone: number,
  warmupS: number,
  windowS: number,
  log: (line: string) => void,
): Promise<Sample> {
  const { dataDir, tokens } = await dataDirWithAccounts([{ name: 'room', roles: ['command'] }]);
  const [linkPort, ...ports] = await freeTestPorts(1 + 3 * drones);
  const camPorts = ports.slice(0, drones);
  const floorPorts = ports.slice(drones, 2 * drones);
  const plainPorts = ports.slice(2 * drones);
  const sources = Object.fromEntries(camPorts.map((p, i) => [`l1-${i + 1}`, `rtp://127.0.0.1:${p}`]));
  const svc = await startVideoService({
    dataDir,
    webDir,
    port: 0,
    host: '127.0.0.1',
    links: [`udpin://127.0.0.1:${linkPort}`],
    sim: 0,
    tlog: { enabled: false, maxAgeDays: 30, maxTotalMB: 2000 },
    tiles: { url: 'none' },
    video: { sources },
  });
  // Telemetry drones in the air (armed, 30 m up): the wall shows them.
  const swarm = await startSwarm([{ port: linkPort!, sysids: Array.from({ length: drones }, (_, i) => i + 1) }]);
  const plain = await startPlainRelay(plainPorts);
  const clip = encodeClip({ width: 1280, height: 720, fps: FPS, seconds: 4, gop: FPS, kbps: KBPS });
  const senders = camPorts.map((p, i) => new RtpClipSender(clip, p, '127.0.0.1', [floorPorts[i]!, plainPorts[i]!]));
  for (const s of senders) s.start();
  const token = tokens.get('room')!;
  let viewers: Awaited<ReturnType<typeof startViewers>> | null = null;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'],
    headless: true,
  });
  try {
    const live = async () => {
      const r = await fetch(`${svc.base}/api/video`, { headers: { authorization: `Bearer ${token}` } });
      return r.ok ? ((await r.json()) as Array<{ state: string }>).filter((f) => f.state === 'live').length : 0;
    };
    const deadline = Date.now() + 60_000;
    while ((await live()) < drones && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const ws = svc.base.replace(/^http/, 'ws');
    viewers = await startViewers({
      skybeat: camPorts.map((_, i) => ({ url: `${ws}/api/video/l1-${i + 1}/live`, token, count: nodeViewersPerDrone })),
      // as many viewers of the plain relay as SkyBeat has, the page's one included
      plain: plainPorts.map((_, i) => ({ url: `ws://127.0.0.1:${plain.port}/d/${i}`, count: nodeViewersPerDrone + 1 })),
      floorPorts,
    });
    const page: Page = await browser.newPage({ viewport: { width: 1600, height: 900 }, locale: 'en-GB' });
    await page.addInitScript(PROBE);
    await page.goto(svc.base);
    await page.fill('#login input[name="username"]', 'room');
    await page.fill('#login input[name="password"]', 'bench-password');
    await page.click('#login button[type="submit"]');
    await page.waitForSelector('#video-wall-toggle:not([hidden])');
    await page.click('#video-wall-toggle');
    // polled with evaluate: the page's CSP (no eval) refuses waitForFunction's string predicates
    const until = Date.now() + 60_000;
    while (Number(await page.evaluate(`document.querySelectorAll('#video-wall .video[data-state="live"] video').length`)) < drones) {
      if (Date.now() > until) throw new Error(`the wall never showed ${drones} live tiles`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await page.evaluate('document.querySelectorAll("#video-wall video").forEach((v) => window.__video.watch(v))');
    await new Promise((r) => setTimeout(r, warmupS * 1000));

    const cpu0 = procStats(svc.pid);
    const plain0 = procStats(plain.pid);
    const t0 = performance.now();
    viewers.measure();
    await page.evaluate('window.__video.measuring = true');
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const inPage = (await page.evaluate(
      '({ decoded: window.__video.decoded, appended: window.__video.appended, behind: window.__video.behind, frames: window.__video.frames, unmatched: window.__video.unmatched, seeks: window.__video.seeks })',
    )) as {
      decoded: number[];
      appended: number[];
      behind: number[];
      frames: number;
      unmatched: number;
      seeks: number;
    };
    const elapsedS = (performance.now() - t0) / 1000;
    const cpu1 = procStats(svc.pid);
    const plain1 = procStats(plain.pid);
    const nodes = await viewers.stop();
    viewers = null;
    const sample: Sample = {
      drones,
      viewersPerDrone: nodeViewersPerDrone + 1,
      floor: nodes.floor,
      plain: nodes.plain,
      skybeat: nodes.skybeat,
      appended: inPage.appended,
      decoded: inPage.decoded,
      behind: inPage.behind,
      framesPresented: inPage.frames,
      seeks: inPage.seeks,
      unmatched: inPage.unmatched,
      serviceCpuPct: ((cpu1.cpuMs - cpu0.cpuMs) / (elapsedS * 1000)) * 100,
      serviceRssMB: cpu1.rssBytes / 1e6,
      plainCpuPct: ((plain1.cpuMs - plain0.cpuMs) / (elapsedS * 1000)) * 100,
      windowS: elapsedS,
    };
    const p = (xs: number[], q: number) => quantile(xs, q).toFixed(1);
    log(
      `  ${drones} × ${sample.viewersPerDrone}: decoded p50 ${p(sample.decoded, 0.5)} p95 ${
        p(sample.decoded, 0.95)
      } ms (${sample.decoded.length} frames, ${sample.unmatched} unmatched, ${sample.seeks} jumps); ` +
        `appended p50 ${p(sample.appended, 0.5)}; behind the newest p50 ${p(sample.behind, 0.5)}; node fMP4 p50 ${p(sample.skybeat, 0.5)} p95 ${
          p(sample.skybeat, 0.95)
        }; plain p50 ${p(sample.plain, 0.5)} p95 ${p(sample.plain, 0.95)}; floor p50 ${p(sample.floor, 0.5)}; service ${
          sample.serviceCpuPct.toFixed(1)
        } % CPU, ${sample.serviceRssMB.toFixed(0)} MB; plain relay ${sample.plainCpuPct.toFixed(1)} %`,
    );
    return sample;
  } finally {
    await viewers?.stop();
    await browser.close();
    for (const s of senders) s.close();
    await plain.stop();
    await swarm.stop();
    await svc.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const bench: Bench = async ({ quick, log }) => {
  const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-bench-web-'));
  await build({ configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)), logLevel: 'warn', build: { outDir: webDir, emptyOutDir: true } });
  const [warmupS, windowS] = quick ? [3, 8] : [5, 30];
  log(`video: 1 drone, 1 viewer (the page), ${windowS} s`);
  const one = await run(webDir, 1, 0, warmupS, windowS, log);
  log(`video: 4 drones × 10 viewers (the page and 9 more each), ${windowS} s`);
  const four = await run(webDir, 4, 9, warmupS, windowS, log);
  const figures: Figure[] = [];
  for (const s of [one, four]) {
    const tag = `${s.drones} × ${s.viewersPerDrone}`;
    const floor = { name: 'packets arriving (floor)', value: median(s.floor) };
    for (const [q, name] of [[0.5, 'p50'], [0.95, 'p95'], [0.99, 'p99']] as const) {
      figures.push(
        figure(
          `camera packet → decoded frame in Chromium, ${name}, ${tag}`,
          'ms',
          quantile(s.decoded, q),
          { name: `packets arriving ${name}`, value: quantile(s.floor, q) },
          name === 'p95' ? { text: 'p95 ≤ 150 ms on loopback', met: quantile(s.decoded, q) <= 150 } : undefined,
        ),
      );
    }
    figures.push(figure(`camera packet → fragment appended in the page, p50, ${tag}`, 'ms', median(s.appended), floor));
    // (1 × 1 has no client but the page: its fragments' arrival is the line above)
    if (s.skybeat.length) {
      figures.push(
        figure(`camera packet → SkyBeat fMP4 at a WebSocket client, p50, ${tag}`, 'ms', median(s.skybeat), { name: 'plain relay p50', value: median(s.plain) }),
        figure(`camera packet → SkyBeat fMP4 at a WebSocket client, p95, ${tag}`, 'ms', quantile(s.skybeat, 0.95), {
          name: 'plain relay p95',
          value: quantile(s.plain, 0.95),
        }),
      );
    }
    figures.push(
      figure(
        `service CPU, ${tag} at ${KBPS / 1000} Mbit/s`,
        '% of a core',
        s.serviceCpuPct,
        { name: 'plain relay', value: s.plainCpuPct },
        s.drones === 4 ? { text: 'within half a core', met: s.serviceCpuPct <= 50 } : undefined,
      ),
      figure(`service memory (RSS), ${tag}`, 'MB', s.serviceRssMB),
    );
  }
  const summary = (s: Sample) => ({
    ...Object.fromEntries(
      (['floor', 'plain', 'skybeat', 'appended', 'decoded', 'behind'] as const).map((
        k,
      ) => [k, { n: s[k].length, p50: quantile(s[k], 0.5), p95: quantile(s[k], 0.95), p99: quantile(s[k], 0.99) }]),
    ),
    framesPresented: s.framesPresented,
    unmatched: s.unmatched,
    serviceCpuPct: s.serviceCpuPct,
    serviceRssMB: s.serviceRssMB,
    plainCpuPct: s.plainCpuPct,
    windowS: s.windowS,
  });
  return {
    name: 'video',
    title: 'Live video: camera packet to decoded frame in Chromium, 1 drone and 4 drones × 10 viewers',
    figures,
    notes: [
      `Cameras: an ffmpeg clip (1280×720, ${FPS} fps, ${KBPS} kbit/s, x264 baseline zerolatency, a key picture a second) sent in a loop over RTP/UDP by tests/helpers/rtp-feed.ts, each picture stamped (capture-stamp SEI) when its packets go out; the service runs as its own process with rtp:// sources, telemetry drones (bench/lib/drone-swarm.ts) in the air so the wall shows them.`,
      "Decoded frame: headless Chromium (--disable-gpu, software decoding and compositing) on the real web app's video wall; requestVideoFrameCallback's presentationTime minus the picture's stamp, matched through the fragment's decode time. All clocks are this machine's.",
      "Floor: a UDP socket beside the service receiving a copy of every packet (the last packet of each picture). Plain relay: bench/lib/plain-video-relay.ts, datagrams forwarded over a WebSocket unchanged, with as many clients as SkyBeat has viewers; measured at Node clients like SkyBeat's fMP4.",
      '4 × 10: one Chromium page shows the four drones (4 viewers), bench/lib/video-viewers.ts adds 9 WebSocket clients per drone in a process of its own. CPU and memory: /proc of the service process over the measuring window.',
      'WebRTC was not measured (no WebRTC path exists in SkyBeat): see README, "Live video".',
    ],
    detail: { one: summary(one), four: summary(four) },
  };
};

export default bench;
