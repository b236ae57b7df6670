import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { minimal } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import { Connection, type Incoming } from '../../server/links/connection.ts';
import { createLink } from '../../server/links/create.ts';
import { parseTlog, TlogWriter } from '../../server/links/tlog.ts';
import type { UdpInLink } from '../../server/links/udp.ts';
import { Encoder } from '../../server/mavlink/codec.ts';
import { LinkSigning, SigningClock, SigningKey } from '../../server/mavlink/signing.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { rawPacket } from '../helpers/raw-packet.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();
const PASSPHRASE = 'px4-event-signing';

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-unknown-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function heartbeat(): minimal.Heartbeat {
  return Object.assign(new minimal.Heartbeat(), { type: 2, autopilot: 12, baseMode: 29, customMode: 0x03040000, systemStatus: 3, mavlinkVersion: 3 });
}

/** A Connection on `uri` recording to a .tlog, keeping what it emits. */
async function receiver(uri: string) {
  const file = path.join(tempDir(), 'rx.tlog');
  const link = createLink(uri);
  const conn = new Connection('rx', link, { sysid: 255, compid: 190, tlog: new TlogWriter(file) });
  const heard: Incoming[] = [];
  conn.on('message', (m) => heard.push(m));
  await link.open();
  let closed = false;
  const close = async () => {
    if (!closed) await conn.close();
    closed = true;
  };
  cleanup.push(close);
  const recorded = async () => {
    await close();
    return parseTlog(fs.readFileSync(file), file).map((r) => r.packet.toString('hex'));
  };
  return { conn, link, heard, recorded };
}

describe('packets of message ids no dialect here knows, on a link', () => {
  it('a replay that ends with them: the last ones are recorded and emitted at the end of the log', async () => {
    const enc = new Encoder(1, 1);
    const packets = [enc.encode(heartbeat()), rawPacket({ seq: 1 }), rawPacket({ seq: 2, msgid: 8, crcExtra: 117 })];
    const log = path.join(tempDir(), 'in.tlog');
    fs.writeFileSync(
      log,
      Buffer.concat(packets.map((p, i) => {
        const time = Buffer.alloc(8);
        time.writeBigUInt64BE(1_764_700_000_000_000n + BigInt(i) * 1000n);
        return Buffer.concat([time, p]);
      })),
    );
    const rx = await receiver(`tlog://${log}?speed=0`);
    await waitFor('end of log', () => rx.link.state === 'down');
    expect(rx.heard.map((m) => [m.frame.msgid, m.frame.verified, m.msg === undefined])).toEqual([[0, true, false], [410, false, true], [8, false, true]]);
    expect(await rx.recorded()).toEqual(packets.map((p) => p.toString('hex')));
    expect(rx.conn.sequenceOf(1)).toEqual({ received: 3, lost: 0, lossPercent: 0 });
  });

  it('on a signed link: signed ones are checked like any packet; unsigned and forged ones are dropped before the map, the loss count and the .tlog', async () => {
    const rx = await receiver(`udpin://127.0.0.1:0?key=${PASSPHRASE}`);
    const signer = new LinkSigning(SigningKey.fromText(PASSPHRASE), 3, new SigningClock());
    const forger = new LinkSigning(SigningKey.fromText('another-passphrase'), 3, new SigningClock());
    const enc = new Encoder(1, 1, signer);
    const first = enc.encode(heartbeat()); // seq 0
    const signedEvent = signer.sign(rawPacket({ seq: 1, signedFlag: true }));
    for (let burnt = 0; burnt < 3; burnt++) enc.encode(heartbeat()); // the encoder's seq 1-3, never sent
    const last = enc.encode(heartbeat()); // seq 4
    const datagrams = [
      first,
      signedEvent, // seq 1: accepted
      rawPacket({ seq: 2 }), // unsigned: dropped
      forger.sign(rawPacket({ seq: 3, signedFlag: true })), // another key: dropped
      last,
    ];
    const tx = dgram.createSocket('udp4');
    cleanup.push(() => tx.close());
    const port = (rx.link as UdpInLink).boundPort;
    for (const d of datagrams) await new Promise<void>((res) => tx.send(d, port, '127.0.0.1', () => res()));
    await waitFor('both heartbeats', () => rx.heard.filter((m) => m.frame.msgid === 0).length === 2);

    expect(rx.heard.map((m) => [m.frame.msgid, m.frame.seq, m.frame.signed])).toEqual([[0, 0, true], [410, 1, true], [0, 4, true]]);
    expect(rx.conn.signatureCounters()).toEqual({ unsigned: 1, badSignature: 1, replayed: 0 });
    // The dropped ones are not counted as received: seq 2 and 3 are holes.
    expect(rx.conn.sequenceOf(1)).toMatchObject({ received: 3, lost: 2 });
    expect(await rx.recorded()).toEqual([first, signedEvent, last].map((p) => p.toString('hex')));
  });
});
