/**
 * Mission-transfer failures a ground station must survive (the cases QGroundControl's MockLink
 * rehearses). A fault that disturbs an item request changes only what is sent: the vehicle
 * still expects the right item, re-requests it after 1 s and answers a wrong item with
 * MISSION_ACK INVALID_SEQUENCE without ending the transfer, as ArduPilot does.
 */
export type MissionFault =
  /** upload: no MISSION_REQUEST in answer to MISSION_COUNT */
  | { kind: 'upload-no-request' }
  /** upload: ask for item seq+1 where seq was due */
  | { kind: 'upload-skip-request'; seq: number }
  /** upload: drop item seq when it arrives and ask for it again */
  | { kind: 'upload-repeat-request'; seq: number }
  /** upload: ask for item `count` (past the end) where seq was due */
  | { kind: 'upload-out-of-range-request'; seq: number }
  /** upload: answer with MISSION_ACK `result` (default 1 ERROR) instead of requesting item seq, and give up */
  | { kind: 'upload-error-ack'; seq: number; result?: number }
  /** upload: store everything but never send the final MISSION_ACK */
  | { kind: 'upload-no-final-ack' }
  /** upload: send MISSION_ACK ACCEPTED right after item seq, before the rest were requested */
  | { kind: 'upload-early-ack'; seq: number }
  /** download: no MISSION_COUNT in answer to MISSION_REQUEST_LIST */
  | { kind: 'download-no-count' }
  /** download: no item in answer to the request for seq */
  | { kind: 'download-no-item'; seq: number }
  /** download: answer the request for seq with an item numbered seq+1 */
  | { kind: 'download-wrong-seq'; seq: number }
  /** download: answer the request for seq with MISSION_ACK `result` (default 1 ERROR) */
  | { kind: 'download-error-ack'; seq: number; result?: number };

export type MissionFaultKind = MissionFault['kind'];

export interface MissionFaultOptions {
  /** how many transfers it spoils; default: every one until cleared */
  times?: number;
  /** mission type it applies to (0 mission, 1 fence, 2 rally); default all */
  missionType?: number;
}

interface Armed {
  fault: MissionFault;
  left: number;
  missionType?: number;
}

export class MissionFaults {
  private readonly armed: Armed[] = [];

  add(fault: MissionFault, opts: MissionFaultOptions = {}): void {
    this.armed.push({ fault, left: opts.times ?? Infinity, missionType: opts.missionType });
  }

  clear(): void {
    this.armed.length = 0;
  }

  list(): MissionFault[] {
    return this.armed.map((a) => a.fault);
  }

  /**
   * The active fault of this kind for this mission type (and item, for per-item kinds), used
   * up by one; undefined when none applies.
   */
  take<K extends MissionFaultKind>(kind: K, missionType: number, seq?: number): Extract<MissionFault, { kind: K }> | undefined {
    const i = this.armed.findIndex((a) =>
      a.fault.kind === kind
      && (a.missionType === undefined || a.missionType === missionType)
      && (seq === undefined || !('seq' in a.fault) || a.fault.seq === seq)
    );
    if (i < 0) return undefined;
    const a = this.armed[i]!;
    if (--a.left <= 0) this.armed.splice(i, 1);
    return a.fault as Extract<MissionFault, { kind: K }>;
  }
}
