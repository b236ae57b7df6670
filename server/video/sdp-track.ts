import sdpTransform from 'sdp-transform';
import type { VideoCodec } from './types.ts';

/** The video track of a DESCRIBE answer that we can play. */
export interface VideoTrack {
  codec: VideoCodec;
  payloadType: number;
  /** the URL to SETUP (a=control resolved against the base) */
  control: string;
  /** the URL to PLAY: the session's a=control, else the base */
  aggregate: string;
  /** base64 parameter sets from the fmtp line (sprop-parameter-sets, or sprop-vps/-sps/-pps) */
  sprop: string[];
  /** H.265 sprop-max-don-diff > 0: DONL fields in the packets */
  donl: boolean;
}

const CODECS: Record<string, VideoCodec> = { H264: 'h264', H265: 'h265', HEVC: 'h265' };

/**
 * The first H.264 or H.265 video track of an SDP (RFC 4566; RFC 6184 §8.1, RFC 7798 §7.1), or why
 * there is none. A relative a=control is resolved against the base (Content-Base, else the
 * request URL) with a slash between, as cameras mean it ("trackID=1" under ".../stream").
 */
export function pickVideoTrack(sdp: string, base: string): VideoTrack | string {
  let parsed: sdpTransform.SessionDescription;
  try {
    parsed = sdpTransform.parse(sdp);
  } catch (err) {
    return `the camera's SDP cannot be read: ${(err as Error).message}`;
  }
  const found: string[] = [];
  for (const m of parsed.media ?? []) {
    if (m.type !== 'video') continue;
    for (const rtp of m.rtp ?? []) {
      found.push(rtp.codec);
      const codec = CODECS[rtp.codec.toUpperCase()];
      if (!codec) continue;
      const fmtp = (m.fmtp ?? []).find((f) => f.payload === rtp.payload);
      const params = fmtp ? sdpTransform.parseParams(fmtp.config) : {};
      const sprop = ['sprop-parameter-sets', 'sprop-vps', 'sprop-sps', 'sprop-pps'].map((k) => params[k]).filter((v) => v !== undefined).map(String);
      return {
        codec,
        payloadType: rtp.payload,
        control: resolveControl(m.control ?? parsed.control, base),
        aggregate: resolveControl(parsed.control, base),
        sprop,
        donl: Number(params['sprop-max-don-diff'] ?? 0) > 0,
      };
    }
  }
  return found.length ? `the camera offers video as ${found.join(', ')}: only H.264 and H.265 are played` : 'the camera offers no video track';
}

function resolveControl(control: string | undefined, base: string): string {
  if (!control || control === '*') return base;
  if (/^rtsp:\/\//i.test(control)) return control;
  return `${base.replace(/\/$/, '')}/${control.replace(/^\//, '')}`;
}
