/**
 * Runs one bench file in this process and writes its report (child of bench/run.ts, so every
 * bench starts with a fresh heap and JIT and none inherits another's garbage).
 *   node --expose-gc --import tsx bench/lib/run-one.ts bench/NAME.bench.ts OUT.json [--quick]
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { environment, type Bench } from './report.ts';

const [file, out] = process.argv.slice(2);
if (!file || !out) {
  console.error('usage: run-one.ts BENCH_FILE OUT_JSON [--quick]');
  process.exit(2);
}
const mod = (await import(pathToFileURL(path.resolve(file)).href)) as { default?: Bench };
if (typeof mod.default !== 'function') {
  console.error(`${file}: has no default export of type Bench (see bench/lib/report.ts)`);
  process.exit(2);
}
const report = await mod.default({ quick: process.argv.includes('--quick'), log: (line) => console.error(line) });
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ ...report, environment: environment() }, (_k, v) => (typeof v === 'bigint' ? String(v) : v), 2));
// Services and sockets a bench forgot to close must not keep the runner waiting.
process.exit(0);
