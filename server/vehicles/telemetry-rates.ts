import { common } from 'node-mavlink';
import { messageName } from '../mavlink/registry.ts';
import type { RateRefusal } from '../wire/types.ts';
import { profileOf } from './autopilots/index.ts';
import type { CommandSender } from './commands.ts';
import type { Fleet } from './fleet.ts';
import { Part, type Vehicle } from './vehicle.ts';

/** Three tries of 1.5 s: a rate request is not worth the radio time of a flight command's five. */
const ATTEMPTS = 3;

/**
 * Per-message telemetry rates, for autopilots that take SET_MESSAGE_INTERVAL (PX4, others; the
 * profile's telemetry plan says which messages at which rate, and which to turn off with -1).
 * Asked one message at a time as a confirmed command, so every answer is read: what a vehicle
 * refuses (PX4 answers FAILED for a message it has no stream for) or never answers is kept on
 * the vehicle (`refusedRates`, in its view's link) and not asked again until the link comes back
 * (an autopilot that rebooted has forgotten what it was asked). ArduPilot is asked by the fleet
 * with REQUEST_DATA_STREAM, which has no answer.
 */
export class TelemetryRates {
  /** the round of requests running per vehicle id, with what stops it */
  private readonly rounds = new Map<string, { stop: AbortController; done: Promise<void> }>();
  private readonly ask = (v: Vehicle) => this.askAll(v);

  constructor(private readonly fleet: Fleet, private readonly commands: CommandSender) {
    fleet.on('found', this.ask);
    fleet.on('regained', this.ask);
  }

  /** Ask v for its profile's rates, one after another; a round still running is stopped first. */
  askAll(v: Vehicle): void {
    const plan = profileOf(v.autopilot).telemetry;
    const requests: [number, number | null][] = [...plan.intervals, ...plan.off.map((id): [number, null] => [id, null])];
    if (requests.length === 0) return;
    const previous = this.rounds.get(v.id);
    previous?.stop.abort();
    const stop = new AbortController();
    const done = (async () => {
      await previous?.done; // one SET_MESSAGE_INTERVAL in flight per vehicle: acks do not say for which message
      for (const [msgid, hz] of requests) {
        if (stop.signal.aborted) return;
        const out = await this.commands.send(v, { command: common.MavCmd.SET_MESSAGE_INTERVAL, params: [msgid, hz === null ? -1 : 1_000_000 / hz] }, {
          attempts: ATTEMPTS,
          signal: stop.signal,
        }).catch((err: Error) => ({ result: 'error' as const, reason: err.message }));
        if (out.result === 'cancelled') return;
        this.note(
          v,
          msgid,
          hz,
          out.result === 'accepted' ? null : out.result === 'denied' ? out.code : out.result === 'timeout' ? 'NO_ANSWER' : `ERROR: ${out.reason}`,
        );
      }
    })();
    const round = { stop, done };
    this.rounds.set(v.id, round);
    void done.finally(() => {
      if (this.rounds.get(v.id) === round) this.rounds.delete(v.id);
    });
  }

  /** Keep (or forget) a refusal; the views hear of it as a change of the link's state. */
  private note(v: Vehicle, msgid: number, hz: number | null, result: string | null): void {
    const message = messageName(msgid);
    const before = v.refusedRates.find((r) => r.message === message);
    if (result === null ? !before : before?.result === result && before.hz === hz) return;
    const rest = v.refusedRates.filter((r) => r.message !== message);
    const refusal: RateRefusal[] = result === null ? [] : [{ message, hz, result }];
    v.refusedRates = [...rest, ...refusal];
    this.fleet.emit('changed', v, Part.LINK);
  }

  /** Stop every round (the service is closing). */
  async close(): Promise<void> {
    this.fleet.off('found', this.ask);
    this.fleet.off('regained', this.ask);
    const running = [...this.rounds.values()];
    for (const r of running) r.stop.abort();
    await Promise.all(running.map((r) => r.done));
  }
}
