import fs from 'node:fs';
import { parseTlog } from '../../links/tlog.ts';
import { Framer } from '../../mavlink/framer.ts';
import { decode, nameOf } from '../../mavlink/codec.ts';
const file = process.argv[2]!;
const want: Record<string, string[]> = JSON.parse(process.argv[3]!);
const recs = parseTlog(fs.readFileSync(file));
const t0 = recs[0]!.timeUs;
const last = new Map<string, string>();
for (const r of recs) {
  new Framer((f) => {
    const m = decode(f); if (!m) return;
    const n = nameOf(m);
    if (!want[n] || f.sysid === 255) return;
    const o: any = {};
    for (const k of want[n]!) { const v = (m as any)[k]; o[k] = typeof v === 'bigint' ? v.toString() : v; }
    const s = JSON.stringify(o);
    const key = f.sysid + n;
    if (last.get(key) !== s) { last.set(key, s); console.log((Number(r.timeUs - t0) / 1e6).toFixed(2), f.sysid, n, s); }
  }).push(r.packet);
}
