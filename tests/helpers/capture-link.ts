import fs from 'node:fs';
import { common, type MavLinkData } from 'node-mavlink';
import { Link } from '../../server/links/link.ts';
import { parseTlog } from '../../server/links/tlog.ts';
import { decode } from '../../server/mavlink/codec.ts';
import { Framer, type Frame } from '../../server/mavlink/framer.ts';
import { messageName } from '../../server/mavlink/registry.ts';

const GCS_SYSID = 255;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A request of the recording's ground station that the playback waits for. */
interface Gate {
  frame: Frame;
  msg: MavLinkData;
  /** seconds from the recording's first packet */
  t: number;
}

/** The same request: the same message, and for those that carry one the same command, sequence number or count. */
function same(a: MavLinkData, msgidA: number, b: MavLinkData, msgidB: number): boolean {
  if (msgidA !== msgidB) return false;
  if (a instanceof common.CommandLong && b instanceof common.CommandLong) {
    return a.command === b.command && a._param1 === b._param1 && a._param2 === b._param2 && a._param3 === b._param3;
  }
  if ('seq' in a && 'seq' in b) return a.seq === b.seq;
  if (a instanceof common.MissionCount && b instanceof common.MissionCount) return a.count === b.count;
  return true;
}

const describeMsg = (msgid: number, m: MavLinkData) =>
  `${messageName(msgid)}${
    m instanceof common.CommandLong ? ` ${m.command} [${m._param1}, ${m._param2}, ${m._param3}]` : 'seq' in m ? ` seq ${String(m.seq)}` : ''
  }`;

/**
 * A real session recorded in a .tlog, played back in step with the station under test: the
 * vehicle's packets come in their recorded order, and where the recording's ground station sent
 * a request the vehicle answered (`isGate`: a mission transfer, a mode change, arming), playback
 * waits until the station under test has sent the same request. SkyBeat so flies the recorded
 * flight itself, through its real Connection, and the real autopilot's answers and telemetry come
 * back as they came that day, only without the waits. The recording's other requests are not
 * waited for; what the vehicle sent in answer to them still comes.
 */
export class CaptureLink extends Link {
  /** what the station under test sent, decoded, not yet matched to a gate */
  private readonly heard: { frame: Frame; msg: MavLinkData }[] = [];
  private readonly framer = new Framer((frame) => {
    const msg = decode(frame);
    if (msg) this.heard.push({ frame, msg });
    this.wake?.();
  });
  private wake: (() => void) | null = null;
  private closed = false;
  /** the gate playback waits at now (null while it plays) */
  waitingFor: Gate | null = null;
  /** seconds into the recording of the last packet played */
  at = 0;
  /** every gate passed, in order */
  readonly passed: string[] = [];

  constructor(private readonly file: string, private readonly isGate: (msg: MavLinkData, t: number) => boolean, private readonly gateTimeoutMs = 15_000) {
    super(`capture://${file}`);
  }

  get peerCount(): number {
    return this.state === 'up' ? 1 : 0;
  }

  async open(): Promise<void> {
    const records = parseTlog(fs.readFileSync(this.file), this.file);
    this.setState('up');
    void this.play(records).catch((err: Error) => this.setState('down', err.message));
  }

  private async play(records: ReturnType<typeof parseTlog>): Promise<void> {
    const t0 = records[0]!.timeUs;
    for (const r of records) {
      if (this.closed) return;
      this.at = Number(r.timeUs - t0) / 1e6;
      if (r.packet[5] === GCS_SYSID) {
        let gate: Gate | null = null;
        new Framer((frame) => {
          const msg = decode(frame);
          if (msg && this.isGate(msg, this.at)) gate = { frame, msg, t: this.at };
        }).push(r.packet);
        if (gate) await this.pass(gate);
        continue;
      }
      this.emit('data', r.packet, 'capture');
      // One packet a turn: the station's promises run between packets, as they would between datagrams.
      await turn();
    }
    this.setState('down', 'end of capture');
  }

  /** Wait until the station under test has sent what the recording's ground station sent here. */
  private async pass(gate: Gate): Promise<void> {
    this.waitingFor = gate;
    const deadline = Date.now() + this.gateTimeoutMs;
    for (;;) {
      const i = this.heard.findIndex((h) => same(h.msg, h.frame.msgid, gate.msg, gate.frame.msgid));
      if (i >= 0) {
        // Its repeats (a retry that crossed the answer) are not for a later gate.
        for (let k = this.heard.length - 1; k >= 0; k--)
          if (same(this.heard[k]!.msg, this.heard[k]!.frame.msgid, gate.msg, gate.frame.msgid)) this.heard.splice(k, 1);
        this.passed.push(describeMsg(gate.frame.msgid, gate.msg));
        this.waitingFor = null;
        return;
      }
      if (this.closed) return;
      if (Date.now() > deadline) throw new Error(`at ${gate.t.toFixed(2)} s of the capture: the station never sent ${describeMsg(gate.frame.msgid, gate.msg)}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
      this.wake = null;
    }
  }

  /** What the station under test sends. */
  send(data: Buffer): void {
    if (this.state === 'up') this.framer.push(data);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    this.setState('down', 'closed');
  }
}
