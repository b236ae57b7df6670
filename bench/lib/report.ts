import os from 'node:os';

/**
 * What every bench/*.bench.ts exports as default: a function that measures and returns its
 * figures. bench/run.ts runs each in a process of its own, prints one table and writes the
 * report to bench/results/<name>.json.
 */
export type Bench = (args: { quick: boolean; log: (line: string) => void }) => Promise<BenchReport>;

export interface BenchReport {
  name: string;
  title: string;
  figures: Figure[];
  /** how the figures were taken, caveats, what the numbers mean */
  notes: string[];
  /** anything else worth keeping in the JSON (per-round samples, settings) */
  detail?: unknown;
}

/** One measured figure, side by side with its baseline taken in the same run. */
export interface Figure {
  what: string;
  unit: string;
  value: number;
  baseline?: { name: string; value: number };
  /** value / baseline.value */
  ratio?: number;
  /** the issue's aim, in words, and whether this run met it */
  aim?: { text: string; met: boolean };
}

export function figure(what: string, unit: string, value: number, baseline?: { name: string; value: number }, aim?: { text: string; met: boolean }): Figure {
  // No ratio when either side could not be measured (NaN: a service too stalled to answer).
  const ratio = baseline && baseline.value !== 0 ? value / baseline.value : undefined;
  return { what, unit, value, baseline, ratio: ratio !== undefined && Number.isFinite(ratio) ? ratio : undefined, aim };
}

export function environment() {
  return {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    platform: `${os.platform()} ${os.release()}`,
    at: new Date().toISOString(),
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank quantile (q in 0..1) of the samples. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** A number for the table: 3 significant digits, thousands as k/M. */
export function fmt(n: number | null): string {
  // NaN is written to the JSON report as null: not measured.
  if (n === null || Number.isNaN(n)) return 'not measured';
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toPrecision(3)} M`;
  if (a >= 1e4) return `${(n / 1e3).toPrecision(3)} k`;
  if (a >= 100) return n.toFixed(0);
  return n.toPrecision(3);
}
