import { common, type MavLinkData } from 'node-mavlink';
import { realClock, type Clock } from '../../clock.ts';
import type { Incoming } from '../../links/connection.ts';
import type { Vehicle } from '../../vehicles/vehicle.ts';

/** What the mission client needs from the Fleet: every message from a vehicle, and a way to send to it. */
export interface MissionLink {
  on(event: 'message', fn: (v: Vehicle, inc: Incoming) => void): unknown;
  off(event: 'message', fn: (v: Vehicle, inc: Incoming) => void): unknown;
  send(v: Vehicle, msg: MavLinkData): void;
}

export type MissionMessage = common.MissionRequest | common.MissionRequestInt | common.MissionCount | common.MissionItemInt | common.MissionAck;

/** Mission-protocol message ids, answered by the vehicle. */
const IDS = new Set([40, 51, 44, 73, 47]); // MISSION_REQUEST, _REQUEST_INT, _COUNT, _ITEM_INT, _ACK

/**
 * One transfer's view of the link: the mission messages its vehicle addresses to us for one
 * mission type (fed in through deliver()), queued in arrival order, and sending with the right
 * target and type.
 */
export class Exchange {
  private readonly queue: MissionMessage[] = [];
  private wake: (() => void) | null = null;

  constructor(
    private readonly link: Pick<MissionLink, 'send'>,
    readonly vehicle: Vehicle,
    private readonly gcs: { sysid: number; compid: number },
    readonly type: number,
    private readonly signal: AbortSignal,
    private readonly clock: Clock = realClock,
  ) {
    signal.addEventListener('abort', () => this.wake?.(), { once: true });
  }

  /** Offer any incoming message; the ones for this transfer are kept. */
  deliver(v: Vehicle, { frame, msg }: Incoming): void {
    if (v !== this.vehicle || !IDS.has(frame.msgid) || !msg) return;
    const m = msg as MissionMessage;
    if (m.missionType !== this.type) return;
    if (m.targetSystem !== 0 && m.targetSystem !== this.gcs.sysid) return; // meant for another ground station
    if (m.targetComponent !== 0 && m.targetComponent !== this.gcs.compid) return;
    this.queue.push(m);
    this.wake?.();
  }

  /** The transfer's time, in ms: all its timing reads this clock. */
  now(): number {
    return this.clock.now();
  }

  /** The next message, or 'timeout' after ms, or 'cancelled' once the signal fires. */
  async next(ms: number): Promise<MissionMessage | 'timeout' | 'cancelled'> {
    for (;;) {
      if (this.signal.aborted) return 'cancelled';
      const m = this.queue.shift();
      if (m) return m;
      const woke = await new Promise<boolean>((resolve) => {
        const timer = this.clock.setTimeout(() => resolve(false), ms);
        this.wake = () => {
          this.clock.clearTimeout(timer);
          resolve(true);
        };
      });
      this.wake = null;
      if (!woke) return 'timeout';
    }
  }

  send(msg: MavLinkData & { targetSystem: number; targetComponent: number; missionType: number }): void {
    msg.targetSystem = this.vehicle.sysid;
    msg.targetComponent = this.vehicle.autopilotCompid;
    msg.missionType = this.type;
    this.link.send(this.vehicle, msg);
  }

  ack(type: number): void {
    const m = new common.MissionAck();
    m.type = type;
    this.send(m);
  }
}
