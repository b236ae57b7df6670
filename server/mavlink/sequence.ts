/** How far behind the newest a packet may arrive and still count as late rather than a restart. */
const LATE_WINDOW = 64;

/** Packets heard from one system and the holes in their sequence numbers. */
export interface SequenceCounts {
  received: number;
  lost: number;
  /** lost / (received + lost), in percent; 0 before anything arrived */
  lossPercent: number;
}

/** One sender's 8-bit sequence: the newest number, and which of the last ones arrived. */
class Stream {
  last = -1;
  /** per sequence number: 1 = seen, 0 = a hole counted as lost (only the last LATE_WINDOW entries matter) */
  readonly seen = new Uint8Array(256);
  received = 0;
  lost = 0;

  see(seq: number): void {
    const w = this.seen;
    if (this.last < 0) {
      this.take(seq);
      return;
    }
    const ahead = (seq - this.last) & 0xff;
    if (ahead === 0) return; // the newest again: a duplicate
    if (ahead >= 128 && 256 - ahead <= LATE_WINDOW) {
      if (w[seq] === 0) { // late: it fills its hole (else a duplicate)
        w[seq] = 1;
        this.lost--;
        this.received++;
      }
      return;
    }
    if (ahead < 128) {
      for (let k = 1; k < ahead; k++) w[(this.last + k) & 0xff] = 0;
      this.lost += ahead - 1;
    }
    // (Far behind the newest: the sender restarted its counter; carry on from here.)
    this.take(seq);
  }

  private take(seq: number): void {
    this.seen[seq] = 1;
    this.last = seq;
    this.received++;
  }
}

/**
 * Packet loss from sequence numbers, per sending (sysid, compid) stream as MAVLink numbers them.
 * Every packet counts, whatever its message: a station that counted only the messages it can
 * decode would read the others as lost (a perfect link to PX4, whose EVENT and
 * LINK_NODE_STATUS no dialect here knows, showed 0.7 % loss). A packet that arrives late
 * (reordered by a radio or the network) fills its hole again; a duplicate changes nothing.
 */
export class SequenceTracker {
  private readonly streams = new Map<number, Stream>();
  private readonly bySystem = new Map<number, Stream[]>();

  see(sysid: number, compid: number, seq: number): void {
    const key = (sysid << 8) | compid;
    let s = this.streams.get(key);
    if (!s) {
      s = new Stream();
      this.streams.set(key, s);
      const all = this.bySystem.get(sysid) ?? [];
      all.push(s);
      this.bySystem.set(sysid, all);
    }
    s.see(seq);
  }

  /** Every component of one system together. */
  of(sysid: number): SequenceCounts {
    let received = 0;
    let lost = 0;
    for (const s of this.bySystem.get(sysid) ?? []) {
      received += s.received;
      lost += s.lost;
    }
    const expected = received + lost;
    return { received, lost, lossPercent: expected === 0 ? 0 : (100 * lost) / expected };
  }
}
