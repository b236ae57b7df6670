/**
 * The simulated camera's capture stamp: the wall-clock time (ms since the epoch, a float64 with
 * sub-millisecond digits) at which the camera put a picture on the network, carried inside the
 * picture itself as an H.264 SEI message of type user_data_unregistered (payloadType 5: a 16-byte
 * UUID that says whose data it is, then the data). Decoders skip SEI they do not know, so the
 * stamp travels through every relay and recording unchanged, and the benchmark reads it wherever
 * the picture arrives (in the service, or in the browser before the bytes go to the decoder).
 *
 * Plain Uint8Array and DataView, no Buffer: the browser reads it too.
 */

/** Our UUID (random, fixed): a picture whose SEI carries it was stamped by the simulator's camera. */
export const CAPTURE_STAMP_UUID = Uint8Array.from([0x5b, 0x7e, 0x3c, 0x1a, 0x9d, 0x4f, 0x4e, 0x2b, 0x8a, 0x61, 0x0c, 0x3f, 0x2d, 0x9e, 0x7b, 0x15]);

const SEI = 6;
const USER_DATA_UNREGISTERED = 5;
const PAYLOAD = 16 + 8;

/** The H.264 SEI NAL unit (no start code) that stamps a picture with `epochMs`. */
export function captureStampSei(epochMs: number): Uint8Array {
  const rbsp = new Uint8Array(2 + PAYLOAD + 1);
  rbsp[0] = USER_DATA_UNREGISTERED;
  rbsp[1] = PAYLOAD;
  rbsp.set(CAPTURE_STAMP_UUID, 2);
  new DataView(rbsp.buffer).setFloat64(2 + 16, epochMs);
  rbsp[rbsp.length - 1] = 0x80; // rbsp_trailing_bits
  // Emulation prevention: no 00 00 0x (x ≤ 3) may appear inside a NAL unit.
  const out: number[] = [SEI];
  let zeros = 0;
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}

/** The stamp in an H.264 NAL unit (no start code), or null when it is not our SEI. */
export function readCaptureStamp(nal: Uint8Array): number | null {
  if (nal.length < 3 || (nal[0]! & 0x1f) !== SEI) return null;
  const rbsp: number[] = [];
  let zeros = 0;
  for (let i = 1; i < nal.length; i++) {
    const b = nal[i]!;
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    rbsp.push(b);
  }
  // sei_message(): payloadType and payloadSize as runs of 0xFF plus a last byte; only the first message is read.
  let at = 0;
  const varNumber = () => {
    let v = 0;
    while (rbsp[at] === 0xff) v += rbsp[at++]!;
    return v + (rbsp[at++] ?? 0);
  };
  const type = varNumber();
  const size = varNumber();
  if (type !== USER_DATA_UNREGISTERED || size !== PAYLOAD || at + size > rbsp.length) return null;
  for (let i = 0; i < 16; i++) if (rbsp[at + i] !== CAPTURE_STAMP_UUID[i]) return null;
  return new DataView(Uint8Array.from(rbsp.slice(at + 16, at + 24)).buffer).getFloat64(0);
}
