/**
 * Runs every bench/*.bench.ts (or those whose name contains one of the arguments), each in a
 * process of its own, one after another (never side by side on a 2-core machine), prints one
 * table and writes bench/results/<name>.json.
 *   npm run bench [-- [--quick] [name ...]]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, type BenchReport } from './lib/report.ts';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.bench.ts')).sort()
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error(`no bench/*.bench.ts matches ${only.join(', ')}`);
  process.exit(2);
}

const reports: BenchReport[] = [];
const failed: string[] = [];
for (const f of files) {
  const name = f.replace(/\.bench\.ts$/, '');
  const out = path.join(DIR, 'results', `${name}.json`);
  fs.rmSync(out, { force: true });
  console.error(`── ${name}`);
  const r = spawnSync(process.execPath, [
    '--expose-gc',
    '--import',
    'tsx',
    path.join(DIR, 'lib', 'run-one.ts'),
    path.join(DIR, f),
    out,
    ...(quick ? ['--quick'] : []),
  ], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status === 0 && fs.existsSync(out)) reports.push(JSON.parse(fs.readFileSync(out, 'utf8')));
  else failed.push(`${name} (exit ${r.status ?? r.signal})`);
}

const rows = [['bench', 'figure', 'SkyBeat', 'baseline', 'ratio', 'aim']];
for (const rep of reports) {
  for (const fig of rep.figures) {
    rows.push([
      rep.name,
      fig.what,
      `${fmt(fig.value)} ${fig.unit}`,
      fig.baseline ? `${fmt(fig.baseline.value)} (${fig.baseline.name})` : '—',
      fig.ratio === undefined ? '—' : `${fig.ratio.toFixed(2)}×`,
      fig.aim ? `${fig.aim.met ? 'met' : 'NOT met'}: ${fig.aim.text}` : '',
    ]);
  }
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' │ ').trimEnd();
console.log(line(rows[0]!));
console.log(widths.map((w) => '─'.repeat(w)).join('─┼─'));
for (const r of rows.slice(1)) console.log(line(r));
for (const rep of reports) for (const n of rep.notes) console.log(`${rep.name}: ${n}`);
console.log(`\nreports: ${path.relative(process.cwd(), path.join(DIR, 'results'))}/*.json`);
if (failed.length) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
