import { EventEmitter } from 'node:events';
import { realClock, type Clock } from '../../clock.ts';
import type { Vehicle } from '../../vehicles/vehicle.ts';
import type { Route } from '../model.ts';
import { Exchange, type MissionLink } from './exchange.ts';
import { isTransient, type TransferResult } from './results.ts';
import { clear, download, upload, SPEC_TIMING, type Progress, type Timing } from './transfer.ts';
import { compareRows } from './verify.ts';
import { MISSION_TYPES, routeToWire, rowPlace, type MissionTypeName, type WireItem } from './wire.ts';

export interface RouteProgress extends Progress {
  type: MissionTypeName;
  attempt: number;
}

export interface TransferControl {
  signal?: AbortSignal;
  onProgress?: (p: RouteProgress) => void;
}

export type RouteUploadResult = TransferResult & {
  /** the mission type that failed (absent on success) */
  type?: MissionTypeName;
  /** the route item concerned, e.g. "mission item 4 (night-market.plan mission.items[3])" */
  where?: string;
  /** what reached the vehicle and read back the same */
  verified: MissionTypeName[];
};

export interface MissionClientOptions {
  gcs?: { sysid: number; compid: number };
  timing?: Partial<Timing>;
  /** whole upload-and-verify attempts per mission type when the failure looks like lost packets */
  attempts?: number;
  /** the time every transfer's timeouts run on (tests pass a fake one) */
  clock?: Clock;
}

interface ClientEvents {
  progress: [vehicle: Vehicle, progress: RouteProgress];
  /** a route upload ended (for metrics and logs) */
  uploaded: [vehicle: Vehicle, result: RouteUploadResult];
}

/**
 * Mission, fence and rally transfers to the vehicles of a Fleet, one at a time per vehicle.
 * uploadRoute() counts a route as on the drone only when what it reads back matches.
 */
export class MissionClient extends EventEmitter<ClientEvents> {
  private readonly active = new Map<string, AbortController>();
  private readonly gcs: { sysid: number; compid: number };
  private readonly timing: Timing;
  private readonly attempts: number;
  private readonly clock: Clock;

  constructor(private readonly link: MissionLink, opts: MissionClientOptions = {}) {
    super();
    this.gcs = opts.gcs ?? { sysid: 255, compid: 190 };
    this.timing = { ...SPEC_TIMING, ...opts.timing };
    this.attempts = opts.attempts ?? 3;
    this.clock = opts.clock ?? realClock;
  }

  /** Cancel every transfer (each stops listening as it ends). */
  close(): void {
    for (const c of this.active.values()) c.abort();
  }

  isBusy(v: Vehicle): boolean {
    return this.active.has(v.id);
  }

  /** Cancel the transfer running for this vehicle; false if there is none. */
  cancel(v: Vehicle): boolean {
    const c = this.active.get(v.id);
    c?.abort();
    return c !== undefined;
  }

  upload(v: Vehicle, type: MissionTypeName, items: WireItem[], ctl: TransferControl = {}): Promise<TransferResult> {
    return this.exclusive(v, ctl, (signal) => this.with(v, type, signal, (x) => upload(x, items, this.timing, this.reporter(v, type, 1, ctl))));
  }

  download(v: Vehicle, type: MissionTypeName, ctl: TransferControl = {}): Promise<TransferResult & { items?: WireItem[] }> {
    return this.exclusive(v, ctl, (signal) => this.with(v, type, signal, (x) => download(x, this.timing, this.reporter(v, type, 1, ctl))));
  }

  clear(v: Vehicle, type: MissionTypeName, ctl: TransferControl = {}): Promise<TransferResult> {
    return this.exclusive(v, ctl, (signal) => this.with(v, type, signal, (x) => clear(x, this.timing)));
  }

  /**
   * Upload the route's mission (and its fence and rally points, when it has them), read each
   * back and compare. The route itself is only read.
   */
  async uploadRoute(v: Vehicle, route: Route, ctl: TransferControl = {}): Promise<RouteUploadResult> {
    const result = await this.uploadRouteOnce(v, route, ctl);
    this.emit('uploaded', v, result);
    return result;
  }

  private uploadRouteOnce(v: Vehicle, route: Route, ctl: TransferControl): Promise<RouteUploadResult> {
    return this.exclusive(v, ctl, async (signal) => {
      const types: MissionTypeName[] = ['mission'];
      const f = route.fence;
      if (f.polygons.length || f.circles.length || f.returnPoint) types.push('fence');
      if (route.rally.length) types.push('rally');
      const verified: MissionTypeName[] = [];
      for (const type of types) {
        let rows: WireItem[];
        try {
          rows = routeToWire(route, type, v.autopilot);
        } catch (err) {
          return { kind: 'error', code: -1, name: 'ENCODING', message: `${route.id}: ${(err as Error).message}`, type, verified };
        }
        const failed = await this.uploadVerified(v, type, rows, signal, ctl);
        if (failed) {
          const where = failed.result.kind !== 'success' && 'seq' in failed.result && failed.result.seq !== undefined
            ? rowPlace(route, type, failed.result.seq, v.autopilot) :
            undefined;
          const tries = failed.attempt > 1 ? ` (after ${failed.attempt} attempts)` : '';
          const message = `${route.id} → ${v.id}: ${type} ${failed.step} failed${where ? ` at ${where}` : ''}${tries}: ${failed.result.message}`;
          return { ...failed.result, message, type, where, verified };
        }
        verified.push(type);
      }
      return { kind: 'success', message: `${route.id} → ${v.id}: ${verified.join(', ')} uploaded and read back identical`, verified };
    });
  }

  /** Upload then read back, up to `attempts` times while failures look like a bad link; null when verified. */
  private async uploadVerified(v: Vehicle, type: MissionTypeName, rows: WireItem[], signal: AbortSignal, ctl: TransferControl) {
    let last: { result: TransferResult; step: 'upload' | 'read-back' | 'verify'; attempt: number } | null = null;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      const report = this.reporter(v, type, attempt, ctl);
      const up = await this.with(v, type, signal, (x) => upload(x, rows, this.timing, report));
      // A lost final ACK is no failure if the read-back shows the mission arrived.
      if (up.kind !== 'success' && !(up.kind === 'timeout' && up.step === 'ack')) {
        last = { result: up, step: 'upload', attempt };
      } else {
        const down = await this.with(v, type, signal, (x) => download(x, this.timing, report));
        if (down.kind !== 'success') last = { result: down, step: 'read-back', attempt };
        else {
          const diff = compareRows(rows, down.items!, type, v.autopilot);
          if (!diff) return null;
          const message = `read back ${diff.field} ${diff.got} where ${diff.expected} was sent`;
          last = { result: { kind: 'verify_mismatch', ...diff, message }, step: 'verify', attempt };
        }
      }
      if (!isTransient(last.result) && last.result.kind !== 'verify_mismatch') break;
    }
    return last;
  }

  private reporter(v: Vehicle, type: MissionTypeName, attempt: number, ctl: TransferControl) {
    return (p: Progress) => {
      const rp = { ...p, type, attempt };
      ctl.onProgress?.(rp);
      this.emit('progress', v, rp);
    };
  }

  private async with<T>(v: Vehicle, type: MissionTypeName, signal: AbortSignal, fn: (x: Exchange) => Promise<T>): Promise<T> {
    const x = new Exchange(this.link, v, this.gcs, MISSION_TYPES[type], signal, this.clock);
    const stop = x.listen();
    try {
      return await fn(x);
    } finally {
      stop();
    }
  }

  /** One transfer per vehicle: a second one gets BUSY. */
  private async exclusive<T extends TransferResult>(
    v: Vehicle,
    ctl: TransferControl,
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<T | (TransferResult & { kind: 'busy'; verified: [] })> {
    if (this.active.has(v.id)) {
      return { kind: 'busy', message: `a mission transfer with ${v.id} is already running`, verified: [] };
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    ctl.signal?.addEventListener('abort', onAbort, { once: true });
    if (ctl.signal?.aborted) controller.abort();
    this.active.set(v.id, controller);
    try {
      return await fn(controller.signal);
    } finally {
      this.active.delete(v.id);
      ctl.signal?.removeEventListener('abort', onAbort);
    }
  }
}
