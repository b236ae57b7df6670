import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { common, minimal } from 'node-mavlink';
import { afterEach, expect, it } from 'vitest';
import { Encoder } from '../../server/mavlink/codec.ts';
import { parseTlog, TlogWriter } from '../../server/links/tlog.ts';
import { waitFor } from '../helpers/wait.ts';

let dir = '';
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function packets(n: number): Buffer[] {
  const enc = new Encoder(1, 1);
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const m = i % 10 === 0
      ? new minimal.Heartbeat()
      : Object.assign(new common.GlobalPositionInt(), { lat: 283_700_000 + i, lon: 1_213_800_000, timeBootMs: i });
    out.push(enc.encode(m));
  }
  return out;
}

it('records every packet in order with its exact microsecond time, across chunk boundaries and event-loop turns', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-tlog-'));
  const file = path.join(dir, 'link.tlog');
  const w = new TlogWriter(file);
  const sent = packets(6000); // ~250 KB: several 64 KB chunks inside one turn
  const t0 = Date.UTC(2026, 10, 23, 14, 0, 0) + 0.123; // fractional ms: microseconds must survive
  sent.slice(0, 4000).forEach((p, i) => w.write(p, t0 + i * 0.5));
  // Reaches the file without a close (a kill -9 later loses only the last moment).
  await waitFor(
    'the first 4000 records on disk',
    () => fs.existsSync(file) && fs.statSync(file).size === sent.slice(0, 4000).reduce((n, p) => n + 8 + p.length, 0),
  );
  sent.slice(4000).forEach((p, i) => w.write(p, t0 + (4000 + i) * 0.5));
  await w.close();

  const records = parseTlog(fs.readFileSync(file), file);
  expect(records).toHaveLength(6000);
  records.forEach((r, i) => {
    expect(r.packet.equals(sent[i]!)).toBe(true);
    expect(r.timeUs).toBe(BigInt(Math.round((t0 + i * 0.5) * 1000)));
  });
});
