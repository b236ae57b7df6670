import { common, type MavLinkData } from 'node-mavlink';
import { realClock, type Clock } from '../../clock.ts';
import type { Fleet } from '../../vehicles/fleet.ts';
import type { Vehicle } from '../../vehicles/vehicle.ts';

/** What the mission client needs from the Fleet: a vehicle's messages of one id, and a way to send to it. */
export type MissionLink = Pick<Fleet, 'onMessage' | 'send'>;

export type MissionMessage = common.MissionRequest | common.MissionRequestInt | common.MissionCount | common.MissionItemInt | common.MissionAck;

/** The mission-protocol messages a vehicle answers with. */
const ANSWERS = [common.MissionRequest, common.MissionRequestInt, common.MissionCount, common.MissionItemInt, common.MissionAck];

/**
 * One transfer's view of the link: the mission messages its vehicle addresses to us for one
 * mission type (taken from the link between listen() and the function it returns), queued in
 * arrival order, and sending with the right target and type.
 */
export class Exchange {
  private readonly queue: MissionMessage[] = [];
  private wake: (() => void) | null = null;

  constructor(
    private readonly link: MissionLink,
    readonly vehicle: Vehicle,
    private readonly gcs: { sysid: number; compid: number },
    readonly type: number,
    private readonly signal: AbortSignal,
    private readonly clock: Clock = realClock,
  ) {
    signal.addEventListener('abort', () => this.wake?.(), { once: true });
  }

  /** Take the vehicle's mission messages until the returned function is called. */
  listen(): () => void {
    const stops = ANSWERS.map((cls) => this.link.onMessage<MissionMessage>(this.vehicle.id, cls, (m) => this.deliver(m)));
    return () => {
      for (const stop of stops) stop();
    };
  }

  /** Keep the messages for this transfer. */
  private deliver(m: MissionMessage): void {
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
