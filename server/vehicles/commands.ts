import { common } from 'node-mavlink';
import { realClock, type Clock, type TimerHandle } from '../clock.ts';
import { english, id, said, verbatim, type ServerMessage } from '../wire/messages.ts';
import type { Fleet } from './fleet.ts';
import type { Vehicle } from './vehicle.ts';

const { MavResult, MavSeverity } = common;

/** A command as MAVLink carries it; `int` sends COMMAND_INT (positions as degE7 in x/y). */
export interface Command {
  command: number;
  params?: (number | undefined)[];
  int?: { frame: number; lat: number; lon: number; alt: number };
}

/** `reason` in English (API, audit, logs); `said`, the same as a code for the pages to say in their language */
export type CommandOutcome =
  | { result: 'accepted' }
  /** the autopilot answered no; `reason` adds what it said in STATUSTEXT meanwhile (kept in its words) */
  | { result: 'denied'; code: string; reason: string; said: ServerMessage }
  | { result: 'timeout'; attempts: number; reason: string; said: ServerMessage }
  | { result: 'cancelled'; reason: string; said: ServerMessage };

/** A refused outcome with its English worked out from its message. */
export const refused = <const O extends { said: ServerMessage }>(o: O): O & { reason: string } => ({ ...o, reason: english(o.said) });

export interface CommandOptions {
  /** wait for an answer this long per attempt (MAVLink's suggestion and QGroundControl's: 1.5 s over radio) */
  timeoutMs?: number;
  /** attempts in all */
  attempts?: number;
  /** keep waiting this long after an IN_PROGRESS answer */
  inProgressMs?: number;
  signal?: AbortSignal;
  onProgress?: (percent: number | null) => void;
}

const resultName = (r: number) => (MavResult as unknown as Record<number, string>)[r] ?? `RESULT_${r}`;
const cmdName = (c: number) => (common.MavCmd as unknown as Record<number, string>)[c] ?? `MAV_CMD ${c}`;

/** What the vehicle said at WARNING or worse in its latest `count` texts: an autopilot's reasons for a refusal. */
function warningsSince(v: Vehicle, count: number): string[] {
  const fresh = Math.min(v.messageCount - count, v.messages.length);
  return fresh <= 0 ? [] : v.messages.slice(-fresh).filter((m) => m.severity <= MavSeverity.WARNING).map((m) => m.text);
}

/**
 * Send a command and wait for its COMMAND_ACK, retrying on silence with `confirmation`
 * counted up as the spec asks, so the autopilot can tell a retry from a new command.
 * Only one instance of a given command per vehicle is in flight: acks carry no request id.
 */
export class CommandSender {
  private readonly inFlight = new Set<string>();

  constructor(private readonly fleet: Fleet, private readonly gcsSysid: number, private readonly clock: Clock = realClock) {}

  async send(v: Vehicle, cmd: Command, opts: CommandOptions = {}): Promise<CommandOutcome> {
    const key = `${v.id}/${cmd.command}`;
    const name = cmdName(cmd.command);
    const command = id(name);
    if (this.inFlight.has(key)) return refused({ result: 'denied', code: 'BUSY', said: said('command_busy', { command, vehicle: v.id }) });
    this.inFlight.add(key);
    const timeoutMs = opts.timeoutMs ?? 1500;
    // 5 attempts: at 30 % loss each way one attempt's round trip succeeds half the time.
    const attempts = opts.attempts ?? 5;
    // The vehicle keeps its texts (STATUSTEXT, chunks joined): the reasons are those since now.
    const textsBefore = v.messageCount;
    let unsubscribe: (() => void) | undefined;
    try {
      return await new Promise<CommandOutcome>((resolve) => {
        let attempt = 0;
        const clock = this.clock;
        let timer: TimerHandle;
        const finish = (o: CommandOutcome) => {
          clock.clearTimeout(timer);
          opts.signal?.removeEventListener('abort', abort);
          resolve(o);
        };
        const abort = () => finish(refused({ result: 'cancelled', said: said('command_cancelled', { command }) }));
        const transmit = () => {
          if (attempt >= attempts) {
            finish(refused({ result: 'timeout', attempts, said: said('command_no_answer', { command, vehicle: v.id, attempts, ms: timeoutMs }) }));
            return;
          }
          this.fleet.send(v, this.build(v, cmd, attempt));
          attempt++;
          timer = clock.setTimeout(transmit, timeoutMs);
        };
        unsubscribe = this.fleet.onMessage(v.id, common.CommandAck, (ack) => {
          if (ack.command !== cmd.command) return;
          // Acks addressed to another ground station on the same link are not ours.
          if (ack.targetSystem !== 0 && ack.targetSystem !== this.gcsSysid) return;
          if (ack.result === MavResult.IN_PROGRESS) {
            opts.onProgress?.(ack.progress === 255 ? null : ack.progress);
            clock.clearTimeout(timer);
            timer = clock.setTimeout(
              () =>
                finish(
                  refused({ result: 'timeout', attempts: attempt, said: said('command_still_in_progress', { command, ms: opts.inProgressMs ?? 30_000 }) }),
                ),
              opts.inProgressMs ?? 30_000,
            );
            return;
          }
          if (ack.result === MavResult.ACCEPTED) finish({ result: 'accepted' });
          else {
            // The reason an autopilot gives ("Arm: Need Position Estimate") usually arrives as a
            // STATUSTEXT just before the ack; wait a moment for one that is still on its way. The
            // answer is in: no more attempts (a resend in that moment could be accepted, unreported).
            const code = resultName(ack.result);
            const why = () => {
              const texts = warningsSince(v, textsBefore).map((t) => verbatim(t));
              return texts.length ? said('command_denied_texts', { command, result: id(code), texts }) : said('command_denied', { command, result: id(code) });
            };
            clock.clearTimeout(timer);
            timer = clock.setTimeout(() => finish(refused({ result: 'denied', code, said: why() })), warningsSince(v, textsBefore).length ? 0 : 150);
          }
        });
        if (opts.signal?.aborted) return abort();
        opts.signal?.addEventListener('abort', abort);
        transmit();
      });
    } finally {
      unsubscribe?.();
      this.inFlight.delete(key);
    }
  }

  private build(v: Vehicle, cmd: Command, attempt: number): common.CommandLong | common.CommandInt {
    const p = (i: number) => cmd.params?.[i] ?? 0;
    if (cmd.int) {
      const m = new common.CommandInt();
      m.targetSystem = v.sysid;
      m.targetComponent = v.autopilotCompid;
      m.command = cmd.command;
      m.frame = cmd.int.frame;
      m.current = 0;
      m.autocontinue = 0;
      m._param1 = p(0);
      m._param2 = p(1);
      m._param3 = p(2);
      m._param4 = p(3);
      m._param5 = Math.round(cmd.int.lat * 1e7);
      m._param6 = Math.round(cmd.int.lon * 1e7);
      m._param7 = cmd.int.alt;
      return m;
    }
    const m = new common.CommandLong();
    m.targetSystem = v.sysid;
    m.targetComponent = v.autopilotCompid;
    m.command = cmd.command;
    m.confirmation = Math.min(attempt, 255);
    m._param1 = p(0);
    m._param2 = p(1);
    m._param3 = p(2);
    m._param4 = p(3);
    m._param5 = p(4);
    m._param6 = p(5);
    m._param7 = p(6);
    return m;
  }
}
