import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { type Clock, realClock, type TimerHandle } from '../clock.ts';
import type { ClusterSettings } from './node.ts';
import { BusSigner } from './signing.ts';

/** The Redis channels of one city (named by its tag: signing.ts): one every node hears, one per node. */
export const channelsOf = (cityTag: string) => ({
  all: `skybeat:city:${cityTag}:all`,
  node: (node: string) => `skybeat:city:${cityTag}:node:${node}`,
});

interface Message {
  kind: string;
  body: unknown;
  /** a request's id, for its answer */
  rid?: string;
  /** set on an answer */
  answer?: { ok: true; value: unknown } | { ok: false; error: string };
}

export class BusTimeout extends Error {}

type Handler = (from: string, body: unknown) => void;
type Server = (from: string, body: unknown) => Promise<unknown>;

/**
 * Node-to-node messages over Redis publish/subscribe, each one signed (signing.ts): a broadcast to
 * every node, a message to one, and a request to one node answered by it. Publish/subscribe keeps
 * nothing: a message sent while Redis is away is lost, so everything sent here is either live state
 * sent again soon (positions) or a request whose sender gives up after its timeout, and that is made
 * safe to give up on by its own means (a command's claim in PostgreSQL: cluster/command-claims.ts).
 * ioredis reconnects and subscribes again by itself when Redis comes back.
 */
export class CityBus extends EventEmitter<{ up: []; down: [reason: string]; rejected: [reason: string] }> {
  readonly signer: BusSigner;
  readonly node: string;
  private readonly handlers = new Map<string, Handler>();
  private readonly servers = new Map<string, Server>();
  private readonly waiting = new Map<string, { resolve(v: unknown): void; reject(e: Error): void; timer: TimerHandle }>();
  private connected = false;
  private readonly channels: ReturnType<typeof channelsOf>;

  private constructor(readonly pub: Redis, private readonly sub: Redis, s: ClusterSettings, private readonly clock: Clock) {
    super();
    this.node = s.node;
    this.signer = new BusSigner(s.secret, s.node, clock);
    this.channels = channelsOf(this.signer.cityTag);
    sub.on('message', (channel: string, text: string) => this.receive(channel, text));
    pub.on('ready', () => {
      if (this.connected) return;
      this.connected = true;
      this.emit('up');
    });
    this.connected = pub.status === 'ready';
    const down = (reason: string) => {
      if (!this.connected) return;
      this.connected = false;
      this.emit('down', reason);
    };
    pub.on('close', () => down('the connection to Redis closed'));
    pub.on('error', (err: Error) => down(err.message));
  }

  /**
   * Connects, waiting for Redis at most `connectTimeoutMs`. A Redis that does not answer then does not
   * stop the node: it serves its own drones, and joins the city when Redis answers ('up').
   */
  static async open(s: ClusterSettings, o: { clock?: Clock; connectTimeoutMs?: number } = {}): Promise<CityBus> {
    const options = {
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      // Commands issued while Redis is away fail at once: a position is not worth queueing.
      enableOfflineQueue: false,
      // Reconnect forever, at most every 2 s: Redis coming back is the normal end of an outage.
      retryStrategy: (times: number) => Math.min(times * 200, 2000),
      maxRetriesPerRequest: 1,
    };
    const pub = new Redis(s.redis, options);
    // the subscriber's SUBSCRIBE waits for the connection, and is made again by ioredis after each
    const sub = new Redis(s.redis, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
    for (const c of [pub, sub]) c.on('error', () => {}); // said through 'down'; ioredis retries
    const bus = new CityBus(pub, sub, s, o.clock ?? realClock);
    void sub.subscribe(bus.channels.all, bus.channels.node(s.node)).catch(() => {});
    await new Promise<void>((resolve) => {
      if (pub.status === 'ready') return resolve();
      const t = setTimeout(resolve, options.connectTimeout);
      pub.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
    return bus;
  }

  get up(): boolean {
    return this.connected;
  }

  /** Handle messages of `kind` sent to every node or to this one. */
  handle(kind: string, handler: Handler): void {
    this.handlers.set(kind, handler);
  }

  /** Answer requests of `kind`: what `fn` returns (or throws) goes back to the asking node. */
  serve(kind: string, fn: Server): void {
    this.servers.set(kind, fn);
  }

  /** To every other node (null) or one. Resolves false when Redis is away: the message is not sent. */
  async send(to: string | null, kind: string, body: unknown): Promise<boolean> {
    return this.publish(to === null ? this.channels.all : this.channels.node(to), { kind, body });
  }

  /**
   * Ask node `to`, and wait for its answer at most `timeoutMs`. Rejects with BusTimeout when no
   * answer came (the node is dead, busy, or Redis is away): the caller decides what that means.
   */
  request(to: string, kind: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const rid = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.waiting.delete(rid);
        reject(new BusTimeout(`node ${to} did not answer within ${(timeoutMs / 1000).toFixed(0)} s`));
      }, timeoutMs);
      this.waiting.set(rid, { resolve, reject, timer });
      void this.publish(this.channels.node(to), { kind, body, rid });
    });
  }

  private async publish(channel: string, m: Message): Promise<boolean> {
    try {
      await this.pub.publish(channel, JSON.stringify(this.signer.seal(m)));
      return true;
    } catch {
      return false;
    }
  }

  private receive(_channel: string, text: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = null;
    }
    const opened = this.signer.open(raw);
    if (!opened.ok) {
      this.emit('rejected', opened.reason);
      return;
    }
    if (opened.from === this.node) return; // our own broadcast
    const m = opened.body as Message;
    if (typeof m !== 'object' || m === null || typeof m.kind !== 'string') return;
    if (m.answer && m.rid) return this.answered(m.rid, m.answer);
    if (m.rid) return void this.answer(opened.from, m as Message & { rid: string });
    this.handlers.get(m.kind)?.(opened.from, m.body);
  }

  private answered(rid: string, a: NonNullable<Message['answer']>): void {
    const w = this.waiting.get(rid);
    if (!w) return; // too late: the asker has given up
    this.waiting.delete(rid);
    this.clock.clearTimeout(w.timer);
    if (a.ok) w.resolve(a.value);
    else w.reject(new Error(a.error));
  }

  private async answer(from: string, m: Message & { rid: string }): Promise<void> {
    const fn = this.servers.get(m.kind);
    let answer: NonNullable<Message['answer']>;
    try {
      if (!fn) throw new Error(`node ${this.node} does not serve "${m.kind}"`);
      answer = { ok: true, value: await fn(from, m.body) };
    } catch (err) {
      answer = { ok: false, error: (err as Error).message };
    }
    await this.publish(this.channels.node(from), { kind: m.kind, body: null, rid: m.rid, answer });
  }

  async close(): Promise<void> {
    for (const [rid, w] of this.waiting) {
      this.clock.clearTimeout(w.timer);
      w.reject(new Error('this node is stopping'));
      this.waiting.delete(rid);
    }
    this.connected = false;
    this.sub.disconnect();
    await this.pub.quit().catch(() => this.pub.disconnect());
  }
}
