import { common } from 'node-mavlink';

/**
 * How a mission transfer ended, MAVSDK-style: one kind per outcome, each with a message a
 * pilot can read. `seq` is the MAVLink sequence number concerned, when there is one.
 */
export type TransferResult =
  | { kind: 'success'; message: string }
  /** step: what we were waiting for when the retries ran out */
  | { kind: 'timeout'; step: 'count' | 'item' | 'ack' | 'clear'; seq?: number; message: string }
  | { kind: 'denied'; message: string }
  | { kind: 'no_space'; message: string }
  | { kind: 'invalid_sequence'; seq?: number; message: string }
  | { kind: 'cancelled'; message: string }
  | { kind: 'busy'; message: string }
  | { kind: 'verify_mismatch'; seq: number; field: string; expected: string; got: string; message: string }
  /** any other MAV_MISSION_RESULT the vehicle answered with, by name */
  | { kind: 'error'; code: number; name: string; seq?: number; message: string };

const { MavMissionResult } = common;
export const ACK = MavMissionResult;

export function resultName(code: number): string {
  return (MavMissionResult as unknown as Record<number, string>)[code] ?? `result ${code}`;
}

/** What the vehicle's refusal means, for a person. */
const EXPLAIN: Partial<Record<number, string>> = {
  [ACK.ERROR]: 'generic error',
  [ACK.UNSUPPORTED_FRAME]: 'the vehicle does not support this coordinate frame',
  [ACK.UNSUPPORTED]: 'the vehicle does not support this command or mission type',
  [ACK.INVALID]: 'a parameter is invalid',
  [ACK.INVALID_PARAM1]: 'param1 is invalid',
  [ACK.INVALID_PARAM2]: 'param2 is invalid',
  [ACK.INVALID_PARAM3]: 'param3 is invalid',
  [ACK.INVALID_PARAM4]: 'param4 is invalid',
  [ACK.INVALID_PARAM5_X]: 'latitude/param5 is invalid',
  [ACK.INVALID_PARAM6_Y]: 'longitude/param6 is invalid',
  [ACK.INVALID_PARAM7]: 'altitude/param7 is invalid',
  [ACK.OPERATION_CANCELLED]: 'the vehicle gave up on the transfer',
};

/** The result for a MISSION_ACK refusal; `where` names the step or item ("at mission item 4 (...)"). */
export function refusal(code: number, where: string, seq?: number): TransferResult {
  switch (code) {
    case ACK.DENIED:
      return { kind: 'denied', message: `the vehicle refused ${where}: DENIED (another ground station may be transferring, or the vehicle is busy)` };
    case ACK.NO_SPACE:
      return { kind: 'no_space', message: `the vehicle refused ${where}: NO_SPACE (too many items for its storage)` };
    case ACK.INVALID_SEQUENCE:
      return { kind: 'invalid_sequence', seq, message: `the vehicle refused ${where}: INVALID_SEQUENCE` };
    default:
      return {
        kind: 'error',
        code,
        name: resultName(code),
        seq,
        message: `the vehicle refused ${where}: ${resultName(code)} (${EXPLAIN[code] ?? 'no explanation in the MAVLink spec'})`,
      };
  }
}

/** Worth trying the whole transfer again: lost packets or a hiccup, not a refusal of the content. */
export function isTransient(r: TransferResult): boolean {
  return r.kind === 'timeout' || r.kind === 'invalid_sequence'
    || (r.kind === 'error' && (r.code === ACK.ERROR || r.code === ACK.OPERATION_CANCELLED));
}
