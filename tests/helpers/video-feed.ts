/**
 * Real H.264 (and H.265) for the video tests: a clip encoded by ffmpeg (the static build that
 * comes with `npm install`, @ffmpeg-installer/ffmpeg), cut into whole pictures here,
 * and a VideoSource that plays it in a loop at its frame rate, as a camera would send it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nalType, splitAnnexB } from '../../server/video/nal.ts';
import type { AccessUnit, ParameterSets, SourceHealth, VideoCodec, VideoSource } from '../../server/video/types.ts';
import { FFMPEG } from './ffmpeg.ts';

export interface ClipOptions {
  codec?: VideoCodec;
  width?: number;
  height?: number;
  fps?: number;
  seconds?: number;
  /** pictures from one key picture to the next */
  gop?: number;
  /** kbit/s */
  kbps?: number;
}

export interface Clip {
  codec: VideoCodec;
  fps: number;
  parameterSets: ParameterSets;
  /** whole pictures in decode order, without timing */
  pictures: Array<{ nals: Buffer[]; key: boolean }>;
  /** the Annex B stream as ffmpeg wrote it */
  annexB: Buffer;
}

const isVcl = (codec: VideoCodec, type: number) => (codec === 'h264' ? type >= 1 && type <= 5 : type < 32);
const isKey = (codec: VideoCodec, type: number) => (codec === 'h264' ? type === 5 : type >= 16 && type <= 21);
/** NAL units that open a new picture when one already has its slices: parameter sets, delimiters, SEI. */
const opensPicture = (codec: VideoCodec, type: number) => (codec === 'h264' ? [6, 7, 8, 9].includes(type) : [32, 33, 34, 35, 39].includes(type));
/** The slice starts a picture: H.264 first_mb_in_slice = 0 (ue(v) "1"), H.265 first_slice_segment_in_pic_flag. */
const firstSlice = (codec: VideoCodec, nal: Buffer) => (codec === 'h264' ? (nal[1]! & 0x80) !== 0 : (nal[2]! & 0x80) !== 0);

/** Groups NAL units into whole pictures (ITU-T H.264 §7.4.1.2.3, H.265 §7.4.2.4.4). */
export function pictures(codec: VideoCodec, nals: Buffer[]): Array<{ nals: Buffer[]; key: boolean }> {
  const out: Array<{ nals: Buffer[]; key: boolean }> = [];
  let current: Buffer[] = [];
  let hasSlice = false;
  const flush = () => {
    if (hasSlice) out.push({ nals: current, key: current.some((n) => isKey(codec, nalType(codec, n))) });
    current = [];
    hasSlice = false;
  };
  for (const nal of nals) {
    const type = nalType(codec, nal);
    if (hasSlice && (opensPicture(codec, type) || (isVcl(codec, type) && firstSlice(codec, nal)))) flush();
    current.push(nal);
    if (isVcl(codec, type)) hasSlice = true;
  }
  flush();
  return out;
}

/** ffmpeg's test picture (a moving pattern and a frame counter), encoded for low latency: no B-frames, a key picture every `gop`. */
export function encodeClip(o: ClipOptions = {}): Clip {
  if (!FFMPEG) throw new Error('ffmpeg is missing: npm install brings @ffmpeg-installer/ffmpeg (an optional dependency)');
  const codec = o.codec ?? 'h264';
  const [width, height, fps, seconds, gop, kbps] = [o.width ?? 320, o.height ?? 240, o.fps ?? 25, o.seconds ?? 4, o.gop ?? 25, o.kbps ?? 500];
  const name = `skybeat-clip-${codec}-${width}x${height}-${fps}-${seconds}-${gop}-${kbps}.${codec}`;
  const file = path.join(os.tmpdir(), name);
  if (!fs.existsSync(file)) {
    const encoder = codec === 'h264' ?
      ['-c:v', 'libx264', '-profile:v', 'baseline', '-tune', 'zerolatency', '-x264-params', `keyint=${gop}:min-keyint=${gop}:scenecut=0`] :
      ['-c:v', 'libx265', '-x265-params', `keyint=${gop}:min-keyint=${gop}:scenecut=0:bframes=0:log-level=error`];
    const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`, '-t', String(seconds)];
    args.push(...encoder, '-b:v', `${kbps}k`, '-pix_fmt', 'yuv420p', '-bf', '0', '-f', codec === 'h264' ? 'h264' : 'hevc', `${file}.part`);
    execFileSync(FFMPEG, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    fs.renameSync(`${file}.part`, file);
  }
  const annexB = fs.readFileSync(file);
  const nals = splitAnnexB(annexB);
  const find = (type: number) => {
    const nal = nals.find((n) => nalType(codec, n) === type);
    if (!nal) throw new Error(`${file}: no NAL unit of type ${type}`);
    return nal;
  };
  const parameterSets: ParameterSets = codec === 'h264' ?
    { codec, sps: find(7), pps: find(8), width, height } :
    { codec, vps: find(32), sps: find(33), pps: find(34), width, height };
  return { codec, fps, parameterSets, pictures: pictures(codec, nals), annexB };
}

/**
 * A camera playing a clip in a loop at its frame rate: pictures with a 90 kHz time that only grows,
 * stamped with the moment each was sent (arrivedMs). stop() is a camera switched off (the source
 * says stale a second later, as a network source would); start() again after restart() is the
 * camera rebooted: a new timeline.
 */
export class ClipSource implements VideoSource {
  readonly uri: string;
  private timer: NodeJS.Timeout | null = null;
  private staleTimer: NodeJS.Timeout | null = null;
  private index = 0;
  private pts: number;
  private readonly units = new Set<(u: AccessUnit) => void>();
  private readonly healths = new Set<(h: SourceHealth) => void>();
  private state: SourceHealth = { state: 'connecting', units: 0, badPackets: 0, lostPackets: 0, restarts: 0 };
  /** called with each picture as it is sent: the bench keeps the send times */
  onSend: ((unit: AccessUnit) => void) | null = null;

  constructor(readonly clip: Clip, name = 'test-clip', startPts90k = 900_000) {
    this.uri = `clip://${name}`;
    this.pts = startPts90k;
  }

  parameterSets(): ParameterSets {
    return this.clip.parameterSets;
  }
  health(): SourceHealth {
    return { ...this.state };
  }
  onUnit(listener: (unit: AccessUnit) => void): () => void {
    this.units.add(listener);
    return () => this.units.delete(listener);
  }
  onHealth(listener: (health: SourceHealth) => void): () => void {
    this.healths.add(listener);
    return () => this.healths.delete(listener);
  }

  private setHealth(change: Partial<SourceHealth>): void {
    this.state = { ...this.state, ...change };
    for (const l of this.healths) l(this.health());
  }

  /** Sends one picture now (tests that step by hand); start() paces them. */
  sendNext(): AccessUnit {
    const picture = this.clip.pictures[this.index]!;
    this.index = (this.index + 1) % this.clip.pictures.length;
    const unit: AccessUnit = { codec: this.clip.codec, nals: picture.nals, pts90k: this.pts, key: picture.key, arrivedMs: Date.now() };
    this.pts += Math.round(90_000 / this.clip.fps);
    this.state.units++;
    this.state.lastUnitMs = unit.arrivedMs;
    if (this.state.state !== 'live') this.setHealth({ state: 'live', reason: undefined });
    this.onSend?.(unit);
    for (const l of this.units) l(unit);
    return unit;
  }

  start(): void {
    if (this.timer) return;
    if (this.staleTimer) clearTimeout(this.staleTimer);
    this.timer = setInterval(() => this.sendNext(), 1000 / this.clip.fps);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.staleTimer = setTimeout(() => this.setHealth({ state: 'stale', reason: 'no pictures for 1 s' }), 1000);
  }

  /** A rebooted camera: its clock starts elsewhere and its stream from a key picture. */
  restart(): void {
    this.index = 0;
    this.pts = Math.round(Math.random() * 1e9);
    this.state.restarts++;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.staleTimer) clearTimeout(this.staleTimer);
    this.timer = null;
    this.setHealth({ state: 'stopped' });
  }
}
