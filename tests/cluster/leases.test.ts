/**
 * Leases (server/cluster/leases.ts) between several nodes, each a Leases object with its own
 * connection to one real database (a fresh PostgreSQL schema, and a SQLite file for the single
 * node's case), on one simulated clock. Time passes a millisecond at a time and every try is
 * answered before the next millisecond, so each boundary (a lease's expiry, the first try after
 * it) is asserted to the millisecond. A node "killed -9" stops dead: its timers never fire again,
 * its connections close, nothing is released.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../server/clock.ts';
import { type LeaseHolder, Leases } from '../../server/cluster/leases.ts';
import { type Db, dropSchema, openDb } from '../../server/store/connection.ts';
import { type Backend, describeEachBackend, postgresAnswers, POSTGRES_URL, postgresSchemaUrl } from '../helpers/backends.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { tcpCut } from '../helpers/tcp-cut.ts';

const TTL = 6000;
const RENEW = 1000;
const LINK = 'link:hf1';
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

interface Node {
  name: string;
  db: Db;
  leases: Leases;
  /** try to hold `lease`, its gained/lost written to the city's events (or given) */
  hold(lease?: string, holder?: LeaseHolder): void;
  /** kill -9: no timer of it fires again, its connections close, it releases nothing */
  kill(): Promise<void>;
  dead: boolean;
}

/** Nodes on one database and one simulated clock; `events` says who gained and lost what, when (ms after T0). */
function city(url: () => string) {
  const fc = fakeClock(T0);
  const shared = url();
  const nodes: Node[] = [];
  const events: string[] = [];
  const logs: string[] = [];
  const said = (name: string, lease: string): LeaseHolder => {
    const tag = lease === LINK ? name : `${name} ${lease}`;
    return {
      gained: (epoch) => void events.push(`${fc.elapsed()} ${tag} gained ${epoch}`),
      lost: (why) => void events.push(`${fc.elapsed()} ${tag} lost: ${why}`),
    };
  };

  async function node(name: string, at = shared): Promise<Node> {
    const db = await openDb(at);
    const n: Node = {
      name,
      db,
      dead: false,
      leases: undefined as unknown as Leases,
      hold: (lease = LINK, holder = said(name, lease)) => n.leases.hold(lease, holder),
      kill: async () => {
        n.dead = true;
        await db.close();
      },
    };
    // The node's own clock: the shared one, silenced once it is killed.
    const clock: Clock = {
      now: () => fc.clock.now(),
      setTimeout: (fn, ms) => fc.clock.setTimeout(() => n.dead || fn(), ms),
      clearTimeout: (h) => fc.clock.clearTimeout(h),
    };
    n.leases = new Leases(db, name, { ttlMs: TTL, renewMs: RENEW, clock, log: (line) => logs.push(line) });
    nodes.push(n);
    return n;
  }

  /** Every live node's tries answered. */
  const settle = () => Promise.all(nodes.filter((n) => !n.dead).map((n) => n.leases.settled()));

  /** Let `ms` of simulated time pass, one millisecond at a time, each try answered before the next. */
  async function pass(ms: number): Promise<void> {
    await settle();
    for (let i = 0; i < ms; i++) {
      await fc.advance(1);
      await settle();
    }
  }

  async function close(): Promise<void> {
    for (const n of nodes.filter((n) => !n.dead)) {
      await n.leases.close().catch(() => {});
      await n.db.close().catch(() => {});
    }
  }

  return { fc, url: shared, nodes, events, logs, node, settle, pass, close, at: () => fc.elapsed() };
}

type City = ReturnType<typeof city>;

describe('leases refuse settings that cannot work', () => {
  const db = {} as Db;
  it('refuses a renewal period that does not fit twice in the lease, and a node name that is not one', () => {
    expect(() => new Leases(db, 'node-a', { ttlMs: 6000, renewMs: 4000 })).toThrow(/renew every 4000 ms does not fit a lease of 6000 ms/);
    expect(() => new Leases(db, 'node-a', { ttlMs: 6000, renewMs: 0 })).toThrow(/renew every 0 ms/);
    expect(() => new Leases(db, 'Node A', {})).toThrow(/node name "Node A" must be lower-case/);
  });
});

describeEachBackend('leases between nodes', (backend: Backend) => {
  let c: City;
  beforeEach(() => {
    c = city(() => backend.url());
  });
  afterEach(() => c.close());

  it('of three nodes asking at once exactly one holds the lease, and its renewals keep it: gained said once, never lost', async () => {
    const nodes = await Promise.all(['node-a', 'node-b', 'node-c'].map((n) => c.node(n)));
    for (const n of nodes) n.hold();
    await c.settle();
    expect(c.events).toHaveLength(1);
    const winner = /^0 (node-[abc]) gained 1$/.exec(c.events[0]!)?.[1];
    expect(winner, c.events[0]).toBeDefined();

    await c.pass(20_000);
    expect(c.events).toEqual([`0 ${winner} gained 1`]);
    expect(nodes.filter((n) => n.leases.holding(LINK)).map((n) => n.name)).toEqual([winner]);
    // Renewed at every second: the last at 20 s, so it holds until 26 s.
    expect(await nodes[0]!.leases.holder(LINK)).toEqual({ node: winner, epoch: 1, expiresAt: T0 + 20_000 + TTL });
  });

  it('a holder killed -9 keeps the lease until its expiry; the first try after it takes it over, under the next epoch', async () => {
    const a = await c.node('node-a');
    a.hold();
    await c.pass(1);
    // b and c try a millisecond after each of a's renewals.
    const b = await c.node('node-b');
    const other = await c.node('node-c');
    b.hold();
    other.hold();
    await c.pass(1999);
    expect(c.at()).toBe(2000);
    await a.kill(); // just after its renewal at 2 s: its row runs to 8 s
    expect(await b.leases.holder(LINK)).toEqual({ node: 'node-a', epoch: 1, expiresAt: T0 + 8000 });

    await c.pass(6000); // to 8 s: b and c tried at 7.001 s, before the expiry
    expect(c.events).toEqual(['0 node-a gained 1']);
    expect(await b.leases.holder(LINK)).toBeNull(); // expired now, and not yet taken
    // A node asking at the very millisecond of the expiry is still too early.
    const late = await c.node('node-d');
    late.hold();
    await c.settle();
    expect(c.events).toEqual(['0 node-a gained 1']);

    await c.pass(1);
    expect(c.events).toHaveLength(2);
    expect(c.events[1]).toMatch(/^8001 node-[bc] gained 2$/);
    await c.pass(3000);
    expect(c.events).toHaveLength(2);
  });

  it('a released lease is taken at the next try, after the holder said lost (released) while its row still named it', async () => {
    const a = await c.node('node-a');
    const seenAtLost: unknown[] = [];
    a.hold(LINK, {
      gained: (epoch) => void c.events.push(`${c.at()} node-a gained ${epoch}`),
      // What the link's owner does on lost (closes it) is done before anyone else may take it.
      lost: async (why) => {
        c.events.push(`${c.at()} node-a lost: ${why}`);
        seenAtLost.push((await a.leases.holder(LINK))?.node);
      },
    });
    await c.pass(1);
    const b = await c.node('node-b');
    b.hold();
    await c.pass(1499);

    await a.leases.release(LINK);
    expect(seenAtLost).toEqual(['node-a']);
    expect(a.leases.holding(LINK)).toBe(false);
    expect(await b.leases.holder(LINK)).toBeNull();
    await c.pass(500);
    expect(c.events).toEqual(['0 node-a gained 1', '1500 node-a lost: released']);
    await c.pass(1); // b's next try
    expect(c.events).toEqual(['0 node-a gained 1', '1500 node-a lost: released', '2001 node-b gained 2']);
    // a stopped trying: it never takes it back, even when b goes.
    await b.leases.close();
    await c.pass(3000);
    expect(c.events.at(-1)).toBe('2001 node-b lost: released');
  });

  it("close() releases every lease a node holds, so a clean stop hands each over at the others' next try", async () => {
    const a = await c.node('node-a');
    a.hold('link:hf1');
    a.hold('link:hf2');
    await c.pass(1);
    const b = await c.node('node-b');
    b.hold('link:hf1');
    b.hold('link:hf2');
    await c.pass(999);
    await a.leases.close();
    await c.pass(1);
    expect(c.events.sort()).toEqual(
      [
        '0 node-a gained 1',
        '0 node-a link:hf2 gained 1',
        '1000 node-a lost: released',
        '1000 node-a link:hf2 lost: released',
        '1001 node-b gained 2',
        '1001 node-b link:hf2 gained 2',
      ].sort(),
    );
  });

  it('a holder whose renewal finds another holder (a newer epoch) says lost, and takes the lease again only once that one expires', async () => {
    const a = await c.node('node-a');
    a.hold();
    await c.pass(500);
    // As if node-b had taken it (a clock far ahead of a's, say): holder and epoch changed under a.
    await c.nodes[0]!.db.k.updateTable('cluster_leases').set({ holder: 'node-b', epoch: 2, expires_at: T0 + 500 + TTL }).where('name', '=', LINK).execute();
    expect(a.leases.holding(LINK)).toBe(true); // a does not know until its next renewal
    await c.pass(500);
    expect(c.events).toEqual(['0 node-a gained 1', '1000 node-a lost: taken by node-b (epoch 2)']);
    expect(a.leases.holding(LINK)).toBe(false);
    await c.pass(5500); // to 6.5 s, the expiry of node-b's row: a tried at 6 s
    expect(c.events).toHaveLength(2);
    await c.pass(500);
    expect(c.events.at(-1)).toBe('7000 node-a gained 3');
  });

  it('gained and lost never overlap: a slow gained() delays lost() but not the renewals; what they throw is logged, not fatal', async () => {
    const a = await c.node('node-a');
    const calls: string[] = [];
    /** the gained() calls not yet returned: each returns when the test says */
    const unfinished: (() => void)[] = [];
    const gainedDone = () => unfinished.shift()!();
    a.hold(LINK, {
      gained: () => {
        calls.push(`${c.at()} gained starts`);
        return new Promise<void>((resolve) =>
          unfinished.push(() => {
            calls.push(`${c.at()} gained ends`);
            resolve();
          })
        );
      },
      lost: (why) => {
        calls.push(`${c.at()} lost: ${why}`);
        throw new Error('the link would not close');
      },
    });
    try {
      await c.pass(3000);
      expect(await a.leases.holder(LINK)).toMatchObject({ node: 'node-a', expiresAt: T0 + 3000 + TTL }); // renewed all along
      await c.nodes[0]!.db.k.updateTable('cluster_leases').set({ holder: 'node-b', epoch: 2 }).where('name', '=', LINK).execute();
      await c.pass(1000);
      expect(a.leases.holding(LINK)).toBe(false);
      expect(calls).toEqual(['0 gained starts']); // lost waits for gained to return
      gainedDone();
      await c.pass(1);
      expect(calls).toEqual(['0 gained starts', '4000 gained ends', '4000 lost: taken by node-b (epoch 2)']);
      expect(c.logs.filter((l) => l.includes('lost() failed'))).toEqual(['lease "link:hf1": lost() failed at node-a: the link would not close']);
      // The node goes on: it takes the lease again when node-b's row expires (at 9 s, last renewed by a at 3 s).
      await c.pass(6000);
      expect(calls.at(-1)).toBe('10000 gained starts');
    } finally {
      // release() at the end waits for them, to say lost after them.
      for (const end of unfinished.splice(0)) end();
    }
  });
});

const PG_SKIPPED = postgresAnswers ? '' : ` [skipped: PostgreSQL does not answer at ${POSTGRES_URL}]`;

describe.skipIf(!postgresAnswers)(`a lease holder that loses its PostgreSQL${PG_SKIPPED}`, () => {
  let c: City;
  let relay: Awaited<ReturnType<typeof tcpCut>> | undefined;
  const schemas: string[] = [];
  beforeEach(() => {
    c = city(() => {
      const u = postgresSchemaUrl();
      schemas.push(u);
      return u;
    });
  });
  afterEach(async () => {
    await c.close();
    await relay?.close();
    for (const u of schemas.splice(0)) await dropSchema(u).catch(() => {});
  });

  it('keeps the lease until its own expiry and not a millisecond more, says why, and does not take it back from the node that took it meanwhile', async () => {
    const pg = new URL(POSTGRES_URL);
    relay = await tcpCut({ host: pg.hostname, port: Number(pg.port || 5432) });
    const throughRelay = new URL(c.url);
    throughRelay.host = `127.0.0.1:${relay.port}`;
    const a = await c.node('node-a', throughRelay.toString());
    a.hold();
    await c.pass(1);
    const b = await c.node('node-b');
    b.hold();
    await c.pass(2499);
    relay.cut(); // at 2.5 s: a last renewed at 2 s, so its lease ends at 8 s

    await c.pass(5499);
    expect(c.at()).toBe(7999);
    expect(a.leases.holding(LINK)).toBe(true);
    expect(c.events).toEqual(['0 node-a gained 1']);
    await c.pass(1);
    expect(a.leases.holding(LINK)).toBe(false);
    expect(c.events).toHaveLength(2);
    expect(c.events[1]).toMatch(/^8000 node-a lost: the database did not answer for 6000 ms \(.+\)$/);
    await c.pass(1);
    expect(c.events[2]).toBe('8001 node-b gained 2');
    // The outage is logged once, with when a stops serving, not once a try.
    expect(c.logs.filter((l) => l.includes('cannot reach the database'))).toEqual([
      expect.stringMatching(/^lease "link:hf1": node-a cannot reach the database \(.+\); holding it until 2026-01-05T08:00:08\.000Z at most$/),
    ]);

    relay.mend();
    await c.pass(5000);
    expect(c.events).toHaveLength(3);
    expect(c.logs).toContain('lease "link:hf1": node-a reaches the database again');
    expect(await a.leases.holder(LINK)).toEqual({ node: 'node-b', epoch: 2, expiresAt: T0 + 13_001 + TTL });
  });
});
