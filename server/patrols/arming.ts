import type { Clock } from '../clock.ts';
import type { Actions } from '../vehicles/actions.ts';
import type { Vehicle } from '../vehicles/vehicle.ts';
import type { ServerMessage } from '../wire/messages.ts';

/** How long to keep asking, and what the caller records at each step (a patrol run's events, a goto's). */
export interface ArmingSteps {
  /** keep asking this long while the autopilot says it is not ready (EKF warm-up: 20-40 s) */
  timeoutMs: number;
  retryMs: number;
  clock: Clock;
  /** the launch or goto was ended meanwhile (aborted, returned): stop asking */
  ended(): boolean;
  armed(attempt: number): void;
  /** reason: in English; said: the same, for the pages to say in their language */
  refused(attempt: number, reason: string, said: ServerMessage): void;
  /** the last refusal, not worth asking again or past the deadline: the caller ends its launch */
  gaveUp(reason: string, said: ServerMessage): void;
}

/**
 * Arm, asking again while the autopilot is not ready yet (it says why in STATUSTEXT): the one start
 * step a patrol launch and a drone sent to the scene from the ground share. A denial is asked again
 * (not ready yet); UNSUPPORTED, FAILED and the like are final, and so is the deadline. Armed means
 * the HEARTBEAT said so (Actions.arm confirms it), not only that the command was ACKed.
 */
export async function armPatiently(actions: Actions, v: Vehicle, s: ArmingSteps): Promise<boolean> {
  const deadline = s.clock.now() + s.timeoutMs;
  for (let attempt = 1;; attempt++) {
    if (s.ended()) return false;
    const out = await actions.arm(v, true);
    if (out.result === 'accepted') {
      s.armed(attempt);
      return true;
    }
    s.refused(attempt, out.reason, out.said);
    const retryable = out.result === 'denied' && out.code !== 'UNSUPPORTED' || out.result === 'timeout';
    if (!retryable || s.clock.now() + s.retryMs > deadline) {
      s.gaveUp(out.reason, out.said);
      return false;
    }
    await new Promise<void>((resolve) => s.clock.setTimeout(resolve, s.retryMs));
  }
}

/** Off the ground and still armed: what a start waits to see in telemetry after its take-off. */
export const airborne = (v: Vehicle): boolean => (v.position?.altRel ?? 0) > 2 && v.armed;
