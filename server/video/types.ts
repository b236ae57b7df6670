/**
 * What flows between a video source (RTP over UDP, RTSP, the simulator's camera) and what carries
 * the picture on (the browser relay, recordings, snapshots). Sources parse the network into whole
 * pictures; nothing after them touches RTP, and nothing re-encodes: the NAL units the camera
 * produced are the ones the browser decodes.
 */

import type { ServerMessage } from '../wire/messages.ts';

export type VideoCodec = 'h264' | 'h265';

/** One coded picture: every NAL unit of one timestamp, as the encoder made them (no start codes). */
export interface AccessUnit {
  codec: VideoCodec;
  /** the NAL units, without Annex B start codes or RTP headers */
  nals: Buffer[];
  /** presentation time on the source's 90 kHz clock (RTP timestamp, unwrapped so it only grows) */
  pts90k: number;
  /** an IDR/IRAP picture: a viewer joining, or one that fell behind, starts here */
  key: boolean;
  /** service clock (ms) when the first packet of this picture arrived: the floor for latency figures */
  arrivedMs: number;
}

/** Parameter sets a decoder needs before the first key picture (SPS/PPS, and VPS for H.265). */
export interface ParameterSets {
  codec: VideoCodec;
  sps: Buffer;
  pps: Buffer;
  vps?: Buffer;
  /** from the SPS, for the page's layout before the first frame decodes */
  width: number;
  height: number;
}

/** How a source is doing, for the tile ("live", "no video since 21:04:07") and the metrics. */
export interface SourceHealth {
  state: 'connecting' | 'live' | 'stale' | 'stopped';
  /** service clock (ms) of the last whole picture, undefined before the first */
  lastUnitMs?: number;
  /** pictures delivered, and what was dropped: malformed packets, gaps that lost a picture */
  units: number;
  badPackets: number;
  lostPackets: number;
  /** reconnects made (RTSP) or restarts seen (RTP sequence/SSRC jumps) */
  restarts: number;
  /** why it is not live, in plain words, when it is not */
  reason?: string;
  /** the same as a message the pages translate, when the words are ours (not a camera's or a server's) */
  said?: ServerMessage;
}

/**
 * A camera feed. Emits whole pictures in decode order; a consumer that joins late waits for the
 * next `key` unit, with `parameterSets()` to configure its decoder.
 */
export interface VideoSource {
  /** e.g. 'rtp://0.0.0.0:5600', 'rtsp://10.0.0.5:8554/main' (passwords never included) */
  readonly uri: string;
  parameterSets(): ParameterSets | undefined;
  health(): SourceHealth;
  onUnit(listener: (unit: AccessUnit) => void): () => void;
  onHealth(listener: (health: SourceHealth) => void): () => void;
  close(): Promise<void>;
}
