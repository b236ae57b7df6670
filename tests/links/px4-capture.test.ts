import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { Connection } from '../../server/links/connection.ts';
import { createLink } from '../../server/links/create.ts';
import { parseTlog, TlogWriter } from '../../server/links/tlog.ts';
import type { UdpInLink } from '../../server/links/udp.ts';
import { messageName } from '../../server/mavlink/registry.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { describeWithFixtures, fixture } from '../helpers/shared.ts';
import { waitFor } from '../helpers/wait.ts';
import { replayOverUdp } from './udp-replay.ts';

const cleanup = cleanupAfterEach();
const CAPTURE = () => fixture('px4', 'mission-flight.tlog');

/**
 * Vehicle → GCS packets of ids no dialect here knows, from ../shared/fixtures/px4/README.md:
 * LINK_NODE_STATUS, TIME_ESTIMATE_TO_TARGET, EVENT, CURRENT_EVENT_SEQUENCE (CURRENT_MODE, 436, is
 * known to mavlink-mappings).
 */
const UNKNOWN_COUNTS = { MSG_8: 197, MSG_380: 98, MSG_410: 41, MSG_411: 66 };
const VEHICLE_PACKETS = 14_373;
const ALL_PACKETS = 14_618;

/** A bare Connection (no fleet: it sends nothing) on a link, recording to a .tlog in a fresh folder. */
async function recordingConnection(uri: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-px4-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'link.tlog');
  const link = createLink(uri);
  const conn = new Connection('l1', link, { sysid: 255, compid: 190, tlog: new TlogWriter(file) });
  const counts: Record<string, number> = {};
  conn.on('message', ({ frame }) => {
    const name = messageName(frame.msgid);
    if (frame.sysid === 1) counts[name] = (counts[name] ?? 0) + 1;
  });
  await link.open();
  let closed = false;
  const close = async () => {
    if (!closed) await conn.close();
    closed = true;
  };
  cleanup.push(close);
  return { conn, link, file, counts, close };
}

describeWithFixtures('the real PX4 capture through the link layer (../shared/fixtures/px4)', () => {
  it('over loopback UDP, one packet a datagram as PX4 sends: every packet framed, none lost by its sequence numbers', async () => {
    const rx = await recordingConnection('udpin://127.0.0.1:0');
    const sent = await replayOverUdp(CAPTURE(), rx.link as UdpInLink);
    expect(sent).toBe(VEHICLE_PACKETS);
    // The capture ends with known packets, so nothing still waits for what follows it.
    expect(rx.conn.counters()).toEqual({ frames: VEHICLE_PACKETS - 402, crcErrors: 0, unknown: 402, droppedBytes: 0 });
    expect(Object.fromEntries(Object.entries(rx.counts).filter(([n]) => n.startsWith('MSG_')))).toEqual(UNKNOWN_COUNTS);
    expect(rx.counts.CURRENT_MODE).toBe(98);
    // A perfect loopback link: no loss, also across the packet that arrives out of order at
    // 18.26 s (seq 229, 231, 232, 230, 233) — before, the unknown ids read as 402 lost packets.
    expect(rx.conn.sequenceOf(1)).toEqual({ received: VEHICLE_PACKETS, lost: 0, lossPercent: 0 });
  });

  it('through tlog:// into a recording link: the .tlog written holds every packet byte for byte, unknown ids too', async () => {
    const original = parseTlog(fs.readFileSync(CAPTURE()));
    expect(original).toHaveLength(ALL_PACKETS);
    const rx = await recordingConnection(`tlog://${CAPTURE()}?speed=0`);
    await waitFor('end of the replay', () => rx.link.state === 'down', 30_000);
    await rx.close();
    const written = parseTlog(fs.readFileSync(rx.file), rx.file);
    // Both directions were in the capture; a bare connection sends nothing of its own.
    expect(written).toHaveLength(ALL_PACKETS);
    const differing = written.findIndex((r, i) => !r.packet.equals(original[i]!.packet));
    expect(differing, `first record that differs: ${differing}`).toBe(-1);
    expect(rx.conn.counters()).toMatchObject({ unknown: 402, crcErrors: 0, droppedBytes: 0 });
    expect(rx.conn.sequenceOf(1).lossPercent).toBe(0);
    expect(rx.conn.sequenceOf(255)).toEqual({ received: 245, lost: 0, lossPercent: 0 });
  });
});
