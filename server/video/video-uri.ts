/**
 * The video source URIs a configuration, an admin or a drone's announcement can give:
 *
 *   rtp://HOST:PORT                  RTP over UDP, as drones send to QGroundControl (5600); we bind
 *                                    HOST:PORT (0.0.0.0 for any address, or a multicast group to join)
 *   rtp://HOST:PORT?codec=h265       the same with H.265 (RTP over UDP has no SDP to say so)
 *   …&sprop-parameter-sets=B64,B64   SPS/PPS out of band, for senders that never repeat them in band
 *   …&sprop-vps=&sprop-sps=&sprop-pps=  the same for H.265 (RFC 7798's names)
 *   rtsp://[USER:PASS@]HOST[:PORT]/PATH  an RTSP camera; the SDP says the codec
 */
import type { VideoCodec } from './types.ts';

export type VideoUri =
  | { kind: 'rtp'; host: string; port: number; codec: VideoCodec; sprop: string[]; uri: string }
  | { kind: 'rtsp'; url: URL; uri: string };

export class VideoUriError extends Error {}

const RTP_OPTIONS = new Set(['codec', 'sprop-parameter-sets', 'sprop-vps', 'sprop-sps', 'sprop-pps']);

export function parseVideoUri(text: string): VideoUri {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new VideoUriError(`"${text}": not a URI (expected rtp://HOST:PORT or rtsp://HOST/PATH)`);
  }
  if (url.protocol === 'rtsp:') {
    if (!url.hostname) throw new VideoUriError(`"${redactVideoUri(text)}": an RTSP URI needs a host`);
    return { kind: 'rtsp', url, uri: redactVideoUri(text) };
  }
  if (url.protocol !== 'rtp:') {
    throw new VideoUriError(`"${redactVideoUri(text)}": unknown scheme ${url.protocol} (rtp:// for RTP over UDP, rtsp:// for a camera)`);
  }
  const port = Number(url.port);
  if (!url.port || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new VideoUriError(`"${text}": rtp:// needs a port, e.g. rtp://0.0.0.0:5600`);
  }
  for (const key of url.searchParams.keys()) {
    if (!RTP_OPTIONS.has(key)) throw new VideoUriError(`"${text}": unknown option ${key} (known: ${[...RTP_OPTIONS].join(', ')})`);
  }
  const codec = url.searchParams.get('codec') ?? 'h264';
  if (codec !== 'h264' && codec !== 'h265') throw new VideoUriError(`"${text}": codec must be h264 or h265 (got ${codec})`);
  const sprop = ['sprop-parameter-sets', 'sprop-vps', 'sprop-sps', 'sprop-pps'].map((k) => url.searchParams.get(k)).filter((v): v is string => !!v);
  // URL keeps IPv6 hosts in brackets; dgram wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '0.0.0.0';
  return { kind: 'rtp', host, port, codec, sprop, uri: text };
}

/** The URI as it may be shown and logged: an RTSP password replaced by ***. */
export function redactVideoUri(text: string): string {
  return text.replace(/^(rtsp:\/\/[^:/@]+:)[^@/]*@/i, '$1***@');
}

/**
 * VIDEO_STREAM_INFORMATION's uri for an RTP/UDP stream is, by the MAVLink spec, the port the ground
 * station listens on ("5600"); drones and companion computers also send "HOST:PORT",
 * "udp://HOST:PORT" or "rtp://…". The host there is where the drone sends to, i.e. us, so it is
 * not taken: we listen at that port on `bindHost`, which the caller picks (sources.ts) so that an
 * announcement never opens a port wider than the drone's own link is.
 */
export function announcedRtpUri(uri: string, codec: VideoCodec, bindHost = '0.0.0.0'): string | null {
  const m = /^(?:(?:udp|rtp):\/\/)?(?:[^/]*:)?(\d{1,5})\/?$/.exec(uri.trim());
  const port = m ? Number(m[1]) : NaN;
  if (!(port >= 1 && port <= 65535)) return null;
  const host = bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  return `rtp://${host}:${port}${codec === 'h265' ? '?codec=h265' : ''}`;
}

/** The host of a link peer as the links name them ("127.0.0.1:14550", "[::1]:14550"); null for a serial device. */
export function peerHostOf(peer: string): string | null {
  const m = /^\[([^\]]+)\]:\d+$/.exec(peer) ?? /^([^:/[\]]+):\d+$/.exec(peer);
  return m ? m[1]!.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1') : null;
}

export function isLoopbackHost(host: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
}
