import fs from 'node:fs';
import { parseTlog } from '../../links/tlog.ts';
import { Framer } from '../../mavlink/framer.ts';
import { decode, nameOf } from '../../mavlink/codec.ts';
const file = process.argv[2]!;
const skip = new Set((process.argv[3] ?? '').split(','));
const recs = parseTlog(fs.readFileSync(file));
const t0 = recs[0]!.timeUs;
for (const r of recs) {
  new Framer((f) => {
    const m = decode(f); if (!m) return;
    const n = nameOf(m);
    if (skip.has(n)) return;
    const o: any = {};
    for (const [k, v] of Object.entries(m)) o[k] = typeof v === 'bigint' ? v.toString() : v;
    console.log((Number(r.timeUs - t0) / 1e6).toFixed(2), f.sysid, f.compid, f.seq, n, JSON.stringify(o));
  }).push(r.packet);
}
