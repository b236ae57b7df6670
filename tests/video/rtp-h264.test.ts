import { beforeAll, expect, it } from 'vitest';
import { isKeyNal, splitAnnexB } from '../../server/video/nal.ts';
import { describeWithFfmpeg, encodeFile, x264 } from '../helpers/ffmpeg.ts';
import { captureRtp, depacketize, payloadKinds, readFile } from './rtp-capture.ts';

/** A copy of packet p with another sequence number, timestamp or SSRC. */
function rewrite(p: Buffer, o: { seq?: number; ts?: number; ssrc?: number }): Buffer {
  const q = Buffer.from(p);
  if (o.seq !== undefined) q.writeUInt16BE(o.seq & 0xffff, 2);
  if (o.ts !== undefined) q.writeUInt32BE(o.ts >>> 0, 4);
  if (o.ssrc !== undefined) q.writeUInt32BE(o.ssrc >>> 0, 8);
  return q;
}

describeWithFfmpeg('RTP depacketizer against ffmpeg’s own RTP (H.264, RFC 6184)', () => {
  let file: string;
  let nals: Buffer[];
  let packets: Buffer[];
  beforeAll(async () => {
    // 2 s at 25 fps, a key picture every second; zerolatency's sliced threads give several slices a picture.
    file = await encodeFile(50, x264({ size: '320x240', gop: 25 }));
    nals = splitAnnexB(readFile(file));
    packets = await captureRtp(file);
  });

  it('gives back every picture whole, NAL unit for NAL unit, from single units, STAP-A and FU-A', () => {
    expect([...payloadKinds('h264', packets)]).toEqual(expect.arrayContaining([24, 28])); // both happen in this stream
    const { units, counts } = depacketize('h264', packets);
    expect(counts).toEqual({ units: 50, badPackets: 0, lostPackets: 0, restarts: 0 });
    expect(units.flatMap((u) => u.nals)).toEqual(nals);
    expect(units.filter((u) => u.key).length).toBe(2);
    expect(units[0]!.key).toBe(true);
    // 25 fps on the 90 kHz clock, growing
    expect(units.slice(1).map((u, i) => u.pts90k - units[i]!.pts90k)).toEqual(Array(49).fill(3600));
  });

  it('reassembles units cut into FU-A fragments of 300 bytes', async () => {
    const small = await captureRtp(file, 300);
    expect(payloadKinds('h264', small).has(28)).toBe(true);
    expect(small.length).toBeGreaterThan(packets.length);
    const { units, counts } = depacketize('h264', small);
    expect(counts.units).toBe(50);
    expect(units.flatMap((u) => u.nals)).toEqual(nals);
  });

  it('drops the picture a lost packet broke and those after it until the next key picture, counting the loss', () => {
    // lose one packet in the middle of picture 10 (a P picture of the first second)
    const picStarts = packets.map((p, i) => (i === 0 || p.readUInt32BE(4) !== packets[i - 1]!.readUInt32BE(4) ? i : -1)).filter((i) => i >= 0);
    const lost = picStarts[10]!;
    const { units, counts } = depacketize('h264', packets.filter((_, i) => i !== lost));
    expect(counts.lostPackets).toBe(1);
    // pictures 0-9, then nothing until the key picture 25, then 25-49
    expect(units.length).toBe(10 + 25);
    expect(units[10]!.key).toBe(true);
    expect(units[10]!.pts90k - units[9]!.pts90k).toBe(16 * 3600);
    expect(units.flatMap((u) => u.nals)).toEqual([...nalsOfPictures(0, 10), ...nalsOfPictures(25, 50)]);
  });

  it('counts garbage and never throws: non-RTP bytes, truncated STAP-A and FU-A, forbidden bits, a stray foreign packet', () => {
    const junk = [
      Buffer.from('hello, not RTP'),
      Buffer.alloc(0),
      Buffer.from([0x80]),
      Buffer.alloc(1400, 0xff),
      rewrite(Buffer.concat([packets[0]!.subarray(0, 12), Buffer.from([24, 0x40, 0x00, 1])]), { ssrc: 0xdead }), // a lone foreign packet
    ];
    // every 7th packet followed by a piece of junk
    const mixed = packets.flatMap((p, i) => (i % 7 === 0 ? [p, junk[(i / 7) % junk.length]!] : [p]));
    const { units, counts } = depacketize('h264', mixed);
    expect(units.flatMap((u) => u.nals)).toEqual(nals);
    expect(counts.badPackets).toBeGreaterThanOrEqual(Math.floor(packets.length / 7));
    expect(counts.restarts).toBe(0);

    // broken payloads of the stream's own sender break only their picture
    const seq0 = packets[0]!.readUInt16BE(2);
    const header = (k: number, ts: number, marker: boolean) => {
      const h = Buffer.from(packets[0]!.subarray(0, 12));
      h.writeUInt16BE((seq0 + k) & 0xffff, 2);
      h.writeUInt32BE(ts, 4);
      h[1] = (h[1]! & 0x7f) | (marker ? 0x80 : 0);
      return h;
    };
    const bad = [
      Buffer.from([24, 0x00, 0x50, 0x67]), // STAP-A claiming 80 bytes
      Buffer.from([28]), // FU-A without its FU header
      Buffer.from([0x85, 0, 0]), // forbidden_zero_bit set
      Buffer.from([25, 0, 0]), // STAP-B: interleaved mode
    ];
    const good = packets.map((p, k) => rewrite(p, { seq: seq0 + k }));
    const withBad = [...good, ...bad.map((b, j) => Buffer.concat([header(good.length + j, 1000 * (j + 1), true), b]))];
    const after = depacketize('h264', withBad);
    expect(after.counts.badPackets).toBe(bad.length);
    expect(after.counts.units).toBe(50);
  });

  it('unwraps the 32-bit RTP timestamp: pts keep growing across the wrap', () => {
    const start = 2 ** 32 - 10 * 3600;
    const base = packets[0]!.readUInt32BE(4);
    const wrapped = packets.map((p) => rewrite(p, { ts: start + (p.readUInt32BE(4) - base) }));
    const { units } = depacketize('h264', wrapped);
    expect(units.length).toBe(50);
    expect(units.slice(1).every((u, i) => u.pts90k - units[i]!.pts90k === 3600)).toBe(true);
    expect(units[49]!.pts90k).toBe(start + 49 * 3600);
  });

  it('takes a restarted sender (new SSRC, new sequence) after its first key picture, pts still growing', () => {
    const base = packets[0]!.readUInt32BE(4);
    const second = packets.map((p, k) => rewrite(p, { ssrc: 0x1234, seq: 40000 + k, ts: 777 + p.readUInt32BE(4) - base }));
    const { units, counts } = depacketize('h264', [...packets, ...second]);
    expect(counts.restarts).toBe(1);
    expect(counts.units).toBe(100);
    expect(units[50]!.key).toBe(true);
    expect(units[50]!.pts90k).toBeGreaterThan(units[49]!.pts90k);
  });

  it('a sender whose RTP clock jumps back behind the same SSRC and sequence (its encoder restarted) is a restart: pts still grow', () => {
    const seq0 = packets[0]!.readUInt16BE(2);
    const base = packets[0]!.readUInt32BE(4);
    const again = packets.map((p, k) => rewrite(p, { seq: seq0 + packets.length + k, ts: base - 5 * 90_000 + p.readUInt32BE(4) - base }));
    const { units, counts } = depacketize('h264', [...packets, ...again]);
    expect(counts).toMatchObject({ restarts: 1, lostPackets: 0, units: 100 });
    expect(units[50]!.key).toBe(true);
    expect(units[50]!.pts90k).toBeGreaterThan(units[49]!.pts90k);
  });

  function nalsOfPictures(from: number, to: number): Buffer[] {
    // the file's NAL units grouped by picture: a new picture begins at an SPS or at a slice whose first_mb_in_slice is 0
    const pictures: Buffer[][] = [];
    for (const n of nals) {
      const t = n[0]! & 0x1f;
      const firstSlice = (t === 1 || t === 5) && (n[1]! & 0x80) !== 0; // ue(v) first_mb_in_slice = 0 is the single bit 1
      const last = pictures.at(-1);
      const lastHasSlice = last?.some((x) => [1, 5].includes(x[0]! & 0x1f)) ?? false;
      if (!last || (lastHasSlice && (firstSlice || t === 7 || t === 6))) pictures.push([n]);
      else last.push(n);
    }
    expect(pictures.length).toBe(50);
    return pictures.slice(from, to).flat();
  }
});

describeWithFfmpeg('RTP depacketizer against ffmpeg’s own RTP (H.265, RFC 7798)', () => {
  it('passes every picture through whole, AP and FU included, and marks IRAP pictures as keys', async () => {
    const file = await encodeFile(30, [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25',
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-tune',
      'zerolatency',
      '-x265-params',
      'keyint=15:min-keyint=15:log-level=error',
    ], 'hevc');
    const nals = splitAnnexB(readFile(file));
    const packets = await captureRtp(file, 600);
    expect([...payloadKinds('h265', packets)]).toEqual(expect.arrayContaining([48, 49]));
    const { units, counts } = depacketize('h265', packets);
    expect(counts).toEqual({ units: 30, badPackets: 0, lostPackets: 0, restarts: 0 });
    expect(units.flatMap((u) => u.nals)).toEqual(nals);
    expect(units.filter((u) => u.key).length).toBe(nals.filter((n) => isKeyNal('h265', n)).length);
    expect(units.filter((u) => u.key).length).toBe(2);
  });
});
