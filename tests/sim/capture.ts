import fs from 'node:fs';
import type { MavLinkData } from 'node-mavlink';
import { parseTlog } from '../../server/links/tlog.ts';
import { decode, nameOf } from '../../server/mavlink/codec.ts';
import { Framer } from '../../server/mavlink/framer.ts';
import { fixture } from '../helpers/shared.ts';

export interface CaptureRec {
  /** seconds from the first packet */
  t: number;
  sysid: number;
  name: string;
  msg: MavLinkData;
}

/** Every decoded packet of one ../shared/fixtures/ardupilot (or px4) capture, both directions in order. */
export function readCapture(file: string, autopilot: 'ardupilot' | 'px4' = 'ardupilot'): CaptureRec[] {
  const records = parseTlog(fs.readFileSync(fixture(autopilot, file)), file);
  const t0 = records[0]!.timeUs;
  const out: CaptureRec[] = [];
  for (const r of records) {
    new Framer((frame) => {
      const msg = decode(frame);
      if (msg) out.push({ t: Number(r.timeUs - t0) / 1e6, sysid: frame.sysid, name: nameOf(msg), msg });
    }).push(r.packet);
  }
  return out;
}

/** Consecutive duplicates removed: the path a value took. */
export function path<T>(values: T[]): T[] {
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}
