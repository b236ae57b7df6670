/**
 * The simulated drone's camera: a real H.264 stream over RTP/UDP, as a drone's video radio or
 * companion computer sends it to a ground station. ffmpeg encodes a moving test picture
 * (testsrc2) with the drone's name and the clock burned in (x264 baseline, zerolatency: no
 * B-frames, nothing held back), and writes FLV to us; we packetize RTP ourselves
 * (rtp-packetizer.ts) so every picture can carry its capture stamp (server/wire/capture-stamp.ts:
 * an SEI with the wall-clock time the picture went out, which the benchmark reads wherever it
 * arrives). SPS and PPS go before every key picture, as cameras repeat them for late joiners.
 *
 * Without ffmpeg (an optional dependency) there is no camera, said once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { common } from 'node-mavlink';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { captureStampSei } from '../wire/capture-stamp.ts';
import { findFfmpeg } from './ffmpeg.ts';
import { FlvReader, type FlvVideo } from './flv-reader.ts';
import { RtpPacketizer } from './rtp-packetizer.ts';

export interface CameraSettings {
  /** where the stream goes (the ground station) */
  host: string;
  port: number;
  /** burned into the picture */
  name: string;
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
  /** seconds between key pictures */
  gopS?: number;
  log?: (line: string) => void;
}

/** Fonts for drawtext, in order of preference (WenQuanYi also draws Chinese names). */
const FONTS = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/System/Library/Fonts/Helvetica.ttc',
  'C:/Windows/Fonts/arial.ttf',
];
const RESTART_MS = 3000;

/**
 * 960×540 at 25 fps, 1.5 Mbit/s, a key picture a second: three of these encoders took 40 % of one
 * core on the 2-core reference machine (1280×720 could not keep 25 fps there under load).
 */
export const CAMERA_DEFAULTS = { width: 960, height: 540, fps: 25, bitrateKbps: 1500 };

let saidNoEncoder = false;
let saidNoFont = false;

/** What the camera announces and is asked about (VIDEO_STREAM_INFORMATION). */
export interface CameraInfo {
  port: number;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
}

export class SimCamera {
  readonly info: CameraInfo;
  /** pictures and packets sent, for tests and the control endpoint */
  pictures = 0;
  packets = 0;
  private readonly socket = dgram.createSocket('udp4');
  private readonly packetizer = new RtpPacketizer();
  private parameterSets: Buffer[] = [];
  private child: ChildProcess | null = null;
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** the RTP timestamp of the encoder's time 0, random as RFC 3550 asks; moved on when the encoder restarts, so the clock goes on */
  private timestampBase = Math.floor(Math.random() * 2 ** 32);
  private lastTimestamp: number | null = null;

  private constructor(private readonly ffmpeg: string, private readonly settings: CameraSettings) {
    this.info = {
      port: settings.port,
      width: settings.width ?? CAMERA_DEFAULTS.width,
      height: settings.height ?? CAMERA_DEFAULTS.height,
      fps: settings.fps ?? CAMERA_DEFAULTS.fps,
      bitrateKbps: settings.bitrateKbps ?? CAMERA_DEFAULTS.bitrateKbps,
    };
    this.socket.on('error', (err) => settings.log?.(`camera ${settings.name}: ${err.message}`));
    this.socket.unref();
    this.run();
  }

  /** A camera sending to host:port, or null (said once) where there is no encoder. */
  static start(settings: CameraSettings): SimCamera | null {
    const ffmpeg = findFfmpeg();
    if (!ffmpeg.path) {
      if (!saidNoEncoder) (settings.log ?? console.warn)(`sim: no camera video: ${ffmpeg.why}; the drones fly without it`);
      saidNoEncoder = true;
      return null;
    }
    return new SimCamera(ffmpeg.path, settings);
  }

  /** the encoder's process id while it runs (a test kills it, as a camera's encoder crashes) */
  get encoderPid(): number | undefined {
    return this.child?.pid;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.child?.kill('SIGKILL');
    this.child = null;
    this.socket.close();
  }

  private run(): void {
    const { info, settings } = this;
    // A restarted encoder counts its time from 0 again: its first picture goes one frame after the last one sent.
    if (this.lastTimestamp !== null) this.timestampBase = this.lastTimestamp + Math.round(90_000 / info.fps);
    const child = spawn(this.ffmpeg, [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-re',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${info.width}x${info.height}:rate=${info.fps}`,
      ...this.overlay(),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'zerolatency',
      '-profile:v',
      'baseline',
      '-pix_fmt',
      'yuv420p',
      // One thread: three cameras on a small machine share its cores better than slices in threads do.
      '-threads',
      '1',
      '-b:v',
      `${info.bitrateKbps}k`,
      '-maxrate',
      `${info.bitrateKbps}k`,
      '-bufsize',
      `${info.bitrateKbps}k`,
      '-g',
      String(Math.round(info.fps * (settings.gopS ?? 1))),
      '-sc_threshold',
      '0',
      '-f',
      'flv',
      '-flvflags',
      'no_duration_filesize',
      'pipe:1',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const reader = new FlvReader((v) => this.send(v));
    let errors = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        settings.log?.(`camera ${settings.name}: ${(err as Error).message}`);
        child.kill('SIGKILL');
      }
    });
    child.stderr!.on('data', (d) => (errors = (errors + d).slice(-500)));
    child.on('exit', (code, signal) => {
      if (this.closed || this.child !== child) return;
      settings.log?.(
        `camera ${settings.name}: the encoder stopped (${signal ?? `exit ${code}`}${errors ? `: ${errors.trim()}` : ''}); again in ${RESTART_MS / 1000} s`,
      );
      this.restartTimer = setTimeout(() => this.run(), RESTART_MS);
    });
  }

  /** The name and the wall clock drawn on the picture, where a font can be found. */
  private overlay(): string[] {
    const font = FONTS.find((f) => fs.existsSync(f));
    if (!font) {
      if (!saidNoFont) this.settings.log?.(`sim: no font found for the camera's text (looked for ${FONTS[0]} and others): the picture has no name or clock`);
      saidNoFont = true;
      return [];
    }
    const size = Math.round(this.info.height / 12);
    const text = (what: string, y: string) =>
      `drawtext=fontfile='${font}':text='${what}':fontcolor=white:fontsize=${size}:box=1:boxcolor=black@0.6:boxborderw=6:x=(w-tw)/2:y=${y}`;
    const name = this.settings.name.replace(/[^\p{L}\p{N} ._-]/gu, '');
    return ['-vf', `${text(name, 'h*0.08')},${text('%{localtime}', 'h*0.82')}`];
  }

  private send(v: FlvVideo): void {
    if (v.kind === 'config') {
      this.parameterSets = [...v.sps, ...v.pps];
      return;
    }
    const stamp = Buffer.from(captureStampSei(performance.timeOrigin + performance.now()));
    const nals = v.key ? [...this.parameterSets, stamp, ...v.nals] : [stamp, ...v.nals];
    const timestamp = (this.timestampBase + v.ms * 90) >>> 0;
    this.lastTimestamp = timestamp;
    for (const p of this.packetizer.packetize(nals, timestamp)) {
      this.socket.send(p, this.settings.port, this.settings.host);
      this.packets++;
    }
    this.pictures++;
  }
}

/**
 * The MAVLink camera protocol's announcement of the stream: RTP over UDP, whose URI is by the spec
 * the port the ground station listens on; camera_device_id 1, a camera attached to the autopilot.
 */
export function videoStreamInformation(info: CameraInfo): common.VideoStreamInformation {
  const m = new common.VideoStreamInformation();
  m.streamId = 1;
  m.count = 1;
  m.type = common.VideoStreamType.RTPUDP;
  m.flags = common.VideoStreamStatusFlags.RUNNING;
  m.framerate = info.fps;
  m.resolutionH = info.width;
  m.resolutionV = info.height;
  m.bitrate = info.bitrateKbps * 1000;
  m.rotation = 0;
  m.hfov = 90;
  m.name = 'sim camera';
  m.uri = String(info.port);
  m.encoding = common.VideoStreamEncoding.H264;
  m.cameraDeviceId = 1;
  return m;
}
