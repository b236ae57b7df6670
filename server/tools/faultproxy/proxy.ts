import { createLink } from '../../links/create.ts';
import { Framer, type FramerCounters } from '../../mavlink/framer.ts';
import { FaultyLink, type LinkFaultSettings } from '../../sim/faults.ts';
import { Prng } from '../../sim/prng.ts';
import type { Faults, ProxyConfig } from './args.ts';

type Side = 'listen' | 'to';
type Junk = Pick<FramerCounters, 'crcErrors' | 'unknown' | 'droppedBytes'>;

export interface ProxyCounters {
  /** MAVLink packets relayed listen → to (in the usual set-up: vehicle → SkyBeat), before the faults */
  up: number;
  /** to → listen (SkyBeat → vehicle) */
  down: number;
  /** what arrived on each side that was not a valid MAVLink packet, and was not relayed */
  junk: Record<Side, Junk>;
}

/** The flags' faults as the simulator's FaultyLink takes them: MEAN±JITTER is MEAN-JITTER plus up to 2·JITTER. */
function pipeSettings(f: Faults): LinkFaultSettings {
  return {
    loss: f.loss,
    duplicate: f.dup,
    reorder: f.reorder,
    corrupt: f.corrupt,
    delayMs: f.delayMs - f.jitterMs,
    jitterMs: 2 * f.jitterMs,
    direction: 'down', // each side spoils what it sends on, so every packet meets the faults once
  };
}

/**
 * A MAVLink relay between two links that spoils the traffic on purpose, both ways. Both links
 * are the simulator's FaultyLink around a real transport: bytes received on one side are cut
 * into packets per peer and each packet is sent on the other side as a send of its own, so a
 * fault hits one packet whatever the transport's chunking. Vehicles behind `listen` share one
 * address on the `to` side, as behind a radio bridge; what comes back goes to every peer on the
 * `listen` side.
 */
export class FaultProxy {
  readonly listen: FaultyLink;
  readonly to: FaultyLink;
  private readonly relayed = { up: 0, down: 0 };
  private readonly framers = new Map<string, { side: Side; framer: Framer }>();
  private readonly retired: Record<Side, Junk> = { listen: { crcErrors: 0, unknown: 0, droppedBytes: 0 }, to: { crcErrors: 0, unknown: 0, droppedBytes: 0 } };

  constructor(readonly config: ProxyConfig) {
    this.listen = new FaultyLink(createLink(config.listen), Prng.derive(config.seed, 'sent on the listen side'));
    this.to = new FaultyLink(createLink(config.to), Prng.derive(config.seed, 'sent on the to side'));
    for (const link of [this.listen, this.to]) link.setFaults(pipeSettings(config.faults));
    this.relay('listen', this.listen, (p) => {
      this.relayed.up++;
      this.to.send(p);
    });
    this.relay('to', this.to, (p) => {
      this.relayed.down++;
      this.listen.send(p);
    });
  }

  private relay(side: Side, link: FaultyLink, onward: (packet: Buffer) => void): void {
    link.on('data', (chunk, peer) => {
      const key = `${side} ${peer}`;
      let f = this.framers.get(key);
      if (!f) {
        f = { side, framer: new Framer((frame) => onward(frame.raw)) };
        this.framers.set(key, f);
      }
      f.framer.push(chunk);
    });
    link.on('peerGone', (peer) => {
      const f = this.framers.get(`${side} ${peer}`);
      if (!f) return;
      f.framer.reset();
      this.addJunk(this.retired[side], f.framer.counters);
      this.framers.delete(`${side} ${peer}`);
    });
  }

  private addJunk(to: Junk, from: Junk): void {
    to.crcErrors += from.crcErrors;
    to.unknown += from.unknown;
    to.droppedBytes += from.droppedBytes;
  }

  /** Open the listening side first: a port in use must stop us before we reach out. */
  async open(): Promise<void> {
    await this.listen.open();
    try {
      await this.to.open();
    } catch (err) {
      await this.listen.close();
      throw err;
    }
  }

  counters(): ProxyCounters {
    const junk = structuredClone(this.retired);
    for (const { side, framer } of this.framers.values()) this.addJunk(junk[side], framer.counters);
    return { ...this.relayed, junk };
  }

  async close(): Promise<void> {
    await Promise.all([this.listen.close(), this.to.close()]);
  }
}
