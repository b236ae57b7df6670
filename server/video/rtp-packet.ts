/**
 * The fixed RTP header (RFC 3550 §5.1) and what follows it. Only what a receiver of one video
 * stream needs: the payload, where the picture ends (marker), the order (sequence number), the
 * picture's time (timestamp) and who sent it (SSRC).
 */
export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  /** 16 bits, wraps */
  seq: number;
  /** 32 bits on the media clock (90 kHz for video), wraps */
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

const HEADER = 12;

/**
 * RTCP sent to the same port (RFC 5761 multiplexing) has packet types 192-223 where RTP has its
 * marker bit and payload type: a receiver of RTP skips those rather than counting them as garbage.
 */
export function isRtcp(datagram: Buffer): boolean {
  return datagram.length >= 2 && datagram[1]! >= 192 && datagram[1]! <= 223;
}

/** The packet, or why it is not one (for the bad-packet count and the debug log). */
export function parseRtp(datagram: Buffer): RtpPacket | string {
  if (datagram.length < HEADER) return `${datagram.length} bytes: shorter than an RTP header`;
  const b0 = datagram[0]!;
  if (b0 >> 6 !== 2) return `RTP version ${b0 >> 6}, not 2`;
  let offset = HEADER + 4 * (b0 & 0x0f); // CSRCs
  if (b0 & 0x10) {
    // header extension: 16-bit profile, 16-bit length in 32-bit words
    if (datagram.length < offset + 4) return 'header extension cut short';
    offset += 4 + 4 * datagram.readUInt16BE(offset + 2);
  }
  let end = datagram.length;
  if (b0 & 0x20) end -= datagram[end - 1]!; // padding: its last byte counts it
  if (end <= offset) return 'no payload after the RTP header';
  return {
    payloadType: datagram[1]! & 0x7f,
    marker: (datagram[1]! & 0x80) !== 0,
    seq: datagram.readUInt16BE(2),
    timestamp: datagram.readUInt32BE(4),
    ssrc: datagram.readUInt32BE(8),
    payload: datagram.subarray(offset, end),
  };
}
