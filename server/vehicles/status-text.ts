import type { common } from 'node-mavlink';
import type { Clock, TimerHandle } from '../clock.ts';

/** How long the chunks of one long text may take to arrive before what came is shown without the rest. */
export const TEXT_CHUNK_TIMEOUT_MS = 2000;
/** STATUSTEXT's text field: a chunk this long without a NUL says more follows. */
const CHUNK_CHARS = 50;
/** Marks where a lost chunk's text was. */
export const MISSING = '…';
/** Chunked texts waiting at once per vehicle; a sender that starts more has the oldest shown as they are. */
const MAX_PENDING = 16;

/** A text as the autopilot meant it. */
export interface JoinedText {
  severity: number;
  text: string;
  /** a chunk never came: `text` shows MISSING where it was */
  incomplete: boolean;
}

interface Pending {
  severity: number;
  /** chunk texts by chunk_seq (holes where none came yet) */
  chunks: string[];
  /** chunk_seq of the final chunk, once seen */
  last: number;
  timer: TimerHandle;
}

/**
 * Joins MAVLink 2's chunked STATUSTEXT per (component, id) and tidies every text. A text with
 * id 0 is whole; otherwise chunk_seq counts chunks from 0 and the final one is shorter than
 * 50 characters or holds a NUL (PX4 sends a 50-character text and then a chunk that is only a
 * tab). A chunk that never comes leaves the text waiting TEXT_CHUNK_TIMEOUT_MS, then it is
 * given as it stands, marked. Texts are trimmed: PX4 ends nearly every one with a tab.
 */
export class StatusTextJoiner {
  private readonly pending = new Map<number, Pending>();
  /** texts finished lately, by key: a chunk repeated by the link after its text was given is not a new text */
  private readonly finished = new Map<number, number>();

  /** `late` gets the texts completed by the timeout rather than by a chunk arriving. */
  constructor(private readonly clock: Clock, private readonly late: (t: JoinedText) => void, private readonly timeoutMs = TEXT_CHUNK_TIMEOUT_MS) {}

  /** One STATUSTEXT from component `compid`: the text it completes, or null while chunks are missing. */
  add(compid: number, m: common.StatusText): JoinedText | null {
    const raw = String(m.text);
    const nul = raw.indexOf('\0');
    const piece = nul >= 0 ? raw.slice(0, nul) : raw;
    if (!m.id) return tidy(m.severity, [piece], 0); // the only chunk
    const key = compid * 0x10000 + m.id;
    const now = this.clock.now();
    for (const [k, at] of this.finished) if (now - at > this.timeoutMs) this.finished.delete(k);
    if (this.finished.has(key)) return null;
    let p = this.pending.get(key);
    if (!p) {
      if (this.pending.size >= MAX_PENDING) this.flush(this.pending.keys().next().value!);
      p = { severity: m.severity, chunks: [], last: -1, timer: this.clock.setTimeout(() => this.flush(key), this.timeoutMs) };
      this.pending.set(key, p);
    }
    const seq = m.chunkSeq ?? 0;
    if (p.chunks[seq] !== undefined) return null; // the same chunk again
    p.chunks[seq] = piece;
    if (nul >= 0 || piece.length < CHUNK_CHARS) p.last = seq;
    if (p.last < 0) return null;
    for (let i = 0; i <= p.last; i++) if (p.chunks[i] === undefined) return null;
    this.done(key, p);
    return tidy(p.severity, p.chunks.slice(0, p.last + 1), p.last);
  }

  /** Give a waiting text as it stands (its time is up, or too many wait). */
  private flush(key: number): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.done(key, p);
    const t = tidy(p.severity, p.chunks, p.last);
    if (t.text !== MISSING) this.late(t); // only whitespace came (PX4's lone tab): nothing to show
  }

  private done(key: number, p: Pending): void {
    this.clock.clearTimeout(p.timer);
    this.pending.delete(key);
    this.finished.set(key, this.clock.now());
  }

  /** Stop the timers (the vehicle is gone with its fleet). */
  close(): void {
    for (const p of this.pending.values()) this.clock.clearTimeout(p.timer);
    this.pending.clear();
  }
}

/**
 * Chunks 0..last (last -1: the final chunk never came) joined, holes marked, whitespace trimmed
 * at both ends.
 */
function tidy(severity: number, chunks: (string | undefined)[], last: number): JoinedText {
  const end = last >= 0 ? last + 1 : chunks.length;
  let text = '';
  let incomplete = last < 0;
  for (let i = 0; i < end; i++) {
    const c = chunks[i];
    if (c !== undefined) text += c;
    else if (!text.endsWith(MISSING)) {
      text += MISSING;
      incomplete = true;
    }
  }
  text = text.trim();
  if (last < 0 && !text.endsWith(MISSING)) text += MISSING;
  return { severity, text, incomplete };
}
