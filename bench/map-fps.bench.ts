/**
 * Map frame rate: the command-room page in headless Chromium (software rendering, as the tests
 * run it) following 100 and then 250 drones that all move (each its own UDP socket sending
 * GLOBAL_POSITION_INT at 10 Hz; the service batches them 4 times a second). Measured in the page:
 * animation frames per second, the 95th-percentile frame interval and long tasks (> 50 ms).
 * Baseline: the same page with no drones, in the same run. A benchmark figure, not a test.
 */
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { startSwarm } from './lib/drone-swarm.ts';
import { figure, median, quantile, type Bench, type Figure } from './lib/report.ts';
import { dataDirWithAccounts, freeUdpPorts, startServiceProcess } from './lib/service-process.ts';

const LINKS = 5;
const FLEETS = [0, 100, 250];

interface Sample {
  drones: number;
  fps: number;
  p95FrameMs: number;
  longTasks: number;
  /** markers on the page, and how many moved during the window */
  markers: number;
  moved: number;
}

/**
 * Animation frames and long tasks over `ms`, counted by the page itself. Sent as source text:
 * tsx names the functions it compiles with a helper the page does not have.
 */
const MEASURE = `(windowMs) => new Promise((resolve) => {
  const frames = [];
  let longTasks = 0;
  const observer = new PerformanceObserver((list) => { longTasks += list.getEntries().length; });
  observer.observe({ entryTypes: ['longtask'] });
  const start = performance.now();
  let last = start;
  const tick = (now) => {
    frames.push(now - last);
    last = now;
    if (now - start < windowMs) requestAnimationFrame(tick);
    else { observer.disconnect(); resolve({ frames, longTasks, seconds: (now - start) / 1000 }); }
  };
  requestAnimationFrame(tick);
})`;

function measure(page: Page, ms: number): Promise<{ frames: number[]; longTasks: number; seconds: number }> {
  return page.evaluate(`(${MEASURE})(${ms})`);
}

const positions = (page: Page) =>
  page.$$eval('.drone[data-lat]', (els) => els.map((el) => `${(el as HTMLElement).dataset.droneId}@${(el as HTMLElement).dataset.lat}`));

async function runOnce(drones: number, warmupS: number, windowS: number, log: (line: string) => void): Promise<Sample> {
  const { dataDir } = await dataDirWithAccounts([{ name: 'room', roles: ['command'] }]);
  const ports = await freeUdpPorts(LINKS);
  const svc = await startServiceProcess(ports.flatMap((p) => ['--link', `udpin://127.0.0.1:${p}`]), dataDir);
  const perLink = Math.ceil(drones / LINKS);
  const swarm = drones
    ? await startSwarm(
      ports.map((port, i) => ({ port, sysids: Array.from({ length: Math.max(0, Math.min(perLink, drones - i * perLink)) }, (_, k) => k + 1) })),
    )
    : null;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    headless: true,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, locale: 'en-GB' });
    await page.goto(`${svc.base}/`);
    await page.fill('#login input[name="username"]', 'room');
    await page.fill('#login input[name="password"]', 'bench-password');
    await page.click('#login button[type="submit"]');
    const deadline = Date.now() + 60_000;
    while ((await positions(page)).length < drones && Date.now() < deadline) await page.waitForTimeout(250);
    await page.waitForTimeout(warmupS * 1000);
    const before = new Set(await positions(page));
    const m = await measure(page, windowS * 1000);
    const after = await positions(page);
    const sample: Sample = {
      drones,
      fps: m.frames.length / m.seconds,
      p95FrameMs: quantile(m.frames, 0.95),
      longTasks: m.longTasks,
      markers: after.length,
      moved: after.filter((p) => !before.has(p)).length,
    };
    log(
      `  ${drones} drones: ${sample.fps.toFixed(1)} fps, p95 frame ${
        sample.p95FrameMs.toFixed(1)
      } ms, ${sample.longTasks} long tasks, ${sample.moved}/${sample.markers} markers moved`,
    );
    return sample;
  } finally {
    await browser.close();
    await swarm?.stop();
    await svc.stop();
  }
}

const bench: Bench = async ({ quick, log }) => {
  await build({ configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)), logLevel: 'warn' });
  const rounds = quick ? 1 : 2;
  const [warmupS, windowS] = quick ? [3, 5] : [5, 15];
  const samples: Sample[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const drones of FLEETS) {
      log(`map-fps: round ${r + 1}, ${drones} drones, ${windowS} s`);
      samples.push(await runOnce(drones, warmupS, windowS, log));
    }
  }
  const at = (drones: number, k: 'fps' | 'p95FrameMs' | 'longTasks') => median(samples.filter((s) => s.drones === drones).map((s) => s[k]));
  const idle = { name: 'same page, no drones', value: at(0, 'fps') };
  const figures: Figure[] = [];
  for (const drones of FLEETS.filter((d) => d > 0)) {
    figures.push(
      figure(
        `map frame rate, ${drones} drones moving`,
        'fps',
        at(drones, 'fps'),
        idle,
        drones === 100 ? { text: 'smooth: ≥ 30 fps', met: at(drones, 'fps') >= 30 } : undefined,
      ),
      figure(`map frame interval p95, ${drones} drones`, 'ms', at(drones, 'p95FrameMs'), { name: 'no drones', value: at(0, 'p95FrameMs') }),
      figure(`long tasks (> 50 ms) in ${windowS} s, ${drones} drones`, 'tasks', at(drones, 'longTasks')),
    );
  }
  return {
    name: 'map-fps',
    title: 'Command-room map: frame rate with 100 and 250 drones moving',
    figures,
    notes: [
      'Headless Chromium with --disable-gpu (software rasterising, as in the browser tests) at 1920 × 1080; the page is the real web app, logged in as the command room, the map fitted to the fleet on first sight.',
      `Drones: bench/lib/drone-swarm.ts over ${LINKS} udpin links, each drone its own UDP socket, GLOBAL_POSITION_INT at 10 Hz flying a 20 s circle; the service sends 4 update batches a second.`,
      'fps = requestAnimationFrame callbacks per second counted in the page; the page draws at most once per frame (web/src/frame.ts), markers are moved in place.',
    ],
    detail: { samples },
  };
};

export default bench;
