import { EventEmitter } from 'node:events';
import type { MavLinkData } from 'node-mavlink';
import { decode, Encoder, type RawMessage } from '../mavlink/codec.ts';
import { Framer, type Frame, type FramerCounters } from '../mavlink/framer.ts';
import { SequenceTracker, type SequenceCounts } from '../mavlink/sequence.ts';
import { LinkSigning, type SignatureCounters, type SigningClock } from '../mavlink/signing.ts';
import type { Link } from './link.ts';
import type { TlogWriter } from './tlog.ts';

export interface Incoming {
  frame: Frame;
  /** undefined for a message id no loaded dialect can decode (frame.verified is false then) */
  msg: MavLinkData | undefined;
  peer: string;
}

interface ConnectionEvents {
  message: [incoming: Incoming];
  peerGone: [peer: string];
}

export interface ConnectionOptions {
  /** our MAVLink identity (ground station: 255/190) */
  sysid: number;
  compid: number;
  /** records both directions when given */
  tlog?: TlogWriter;
  /** signing timestamps from this clock instead of the process-wide one (tests) */
  signingClock?: SigningClock;
}

/** Each signed connection of the process sends with its own link id, as the spec asks per channel. */
let nextLinkId = 0;

/**
 * MAVLink over one Link: a Framer per remote peer (so interleaved senders on one UDP port
 * never corrupt each other's packets), decoding, one outgoing sequence counter, and an
 * optional .tlog recording of both directions.
 *
 * Every packet the Framer cuts out is recorded, counted for loss and emitted, also those of
 * message ids no loaded dialect knows (emitted with msg undefined): the .tlog is the whole link
 * as it came, and loss is read from the sequence numbers of all packets.
 *
 * When the link has a signing key, everything sent is signed and whatever arrives unsigned,
 * badly signed or replayed is dropped here and counted (signatureCounters()): nothing above,
 * neither the map nor a vehicle's state, ever sees it, nor does the .tlog.
 */
export class Connection extends EventEmitter<ConnectionEvents> {
  readonly encoder: Encoder;
  /** null on a link without a key */
  readonly signing: LinkSigning | null;
  private readonly framers = new Map<string, Framer>();
  private readonly sequences = new SequenceTracker();
  /** counters of peers that have gone, so link totals never go backwards */
  private readonly retired: FramerCounters = { frames: 0, crcErrors: 0, unknown: 0, droppedBytes: 0 };

  constructor(readonly id: string, readonly link: Link, private readonly opts: ConnectionOptions) {
    super();
    this.signing = link.signingKey ? new LinkSigning(link.signingKey, nextLinkId++ & 0xff, opts.signingClock) : null;
    this.encoder = new Encoder(opts.sysid, opts.compid, this.signing);
    link.on('data', (chunk, peer) => this.framerFor(peer).push(chunk));
    link.on('peerGone', (peer) => {
      const f = this.framers.get(peer);
      if (f) {
        f.end(); // its stream ended: a packet waiting for what follows it is complete
        for (const k of Object.keys(this.retired) as (keyof FramerCounters)[]) this.retired[k] += f.counters[k];
        this.framers.delete(peer);
      }
      this.emit('peerGone', peer);
    });
  }

  private framerFor(peer: string): Framer {
    let f = this.framers.get(peer);
    if (!f) {
      f = new Framer((frame) => {
        if (this.signing?.verify(frame)) return;
        this.sequences.see(frame.sysid, frame.compid, frame.seq);
        this.opts.tlog?.write(frame.raw);
        this.emit('message', { frame, msg: decode(frame), peer });
      });
      this.framers.set(peer, f);
    }
    return f;
  }

  /** Counters over every peer of this link since start. */
  counters(): FramerCounters {
    const total = { ...this.retired };
    for (const f of this.framers.values()) {
      for (const k of Object.keys(total) as (keyof FramerCounters)[]) total[k] += f.counters[k];
    }
    return total;
  }

  /** Packets dropped on a signed link since start, by reason; null on a link without a key. */
  signatureCounters(): SignatureCounters | null {
    return this.signing ? { ...this.signing.rejected } : null;
  }

  /** Packets received from one system on this link and the loss their sequence numbers show. */
  sequenceOf(sysid: number): SequenceCounts {
    return this.sequences.of(sysid);
  }

  /** CRC errors seen from one peer. */
  peerCounters(peer: string): FramerCounters | undefined {
    return this.framers.get(peer)?.counters;
  }

  /** Encode and send one message to a peer (or every peer). */
  send(msg: MavLinkData, peer?: string): void {
    const buf = this.encoder.encode(msg);
    this.opts.tlog?.write(buf);
    this.link.send(buf, peer);
  }

  /** Send a message no dialect here has a class for (see Encoder.encodeRaw). */
  sendRaw(msg: RawMessage, peer?: string): void {
    const buf = this.encoder.encodeRaw(msg);
    this.opts.tlog?.write(buf);
    this.link.send(buf, peer);
  }

  async close(): Promise<void> {
    await this.link.close();
    await this.opts.tlog?.close();
  }
}
