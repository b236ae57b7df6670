/**
 * Command claims (server/cluster/command-claims.ts): two nodes, each with its own connection to one
 * real database (a fresh PostgreSQL schema; a SQLite file too), claiming and abandoning the same
 * command ids at once. The database alone decides who is first, so each race is run on many ids.
 */
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandClaims } from '../../server/cluster/command-claims.ts';
import { Refusal } from '../../server/refusal.ts';
import { type Db, openDb } from '../../server/store/connection.ts';
import { type Backend, describeEachBackend } from '../helpers/backends.ts';
import { fakeClock } from '../helpers/fake-clock.ts';

const RACES = 40;
const id = () => crypto.randomUUID();

describe('command ids', () => {
  it('refuses what is not a command id, saying what one is', async () => {
    const claims = new CommandClaims({} as Db, 'node-a');
    for (const bad of ['', 'short', 'x'.repeat(65), "1'; DROP TABLE cluster_commands; --", '-leading-dash', 'with space 1234']) {
      const refused = await claims.claim(bad).then(() => null, (err: unknown) => err);
      expect(refused, bad).toBeInstanceOf(Refusal);
      expect((refused as Refusal).kind).toBe('invalid');
      expect((refused as Error).message).toMatch(/^command id ".*" is not a command id: 8 to 64 letters, digits and -, as a UUID is$/);
    }
    // A very long one is cut in the message.
    await expect(claims.abandon('y'.repeat(500))).rejects.toThrow(/^command id "y{70}…" is not/);
    await expect(claims.finish('bad id', 1)).rejects.toThrow(/is not a command id/);
    expect(() => new CommandClaims({} as Db, 'Node A')).toThrow(/node name "Node A"/);
  });
});

describeEachBackend('command claims between two nodes', (backend: Backend) => {
  const dbs: Db[] = [];
  /** Two nodes on one database, each with its own connection, on one simulated clock. */
  async function twoNodes() {
    const url = backend.url();
    const fc = fakeClock(Date.UTC(2026, 0, 5, 8));
    const [da, db] = [await openDb(url), await openDb(url)];
    dbs.push(da, db);
    return { fc, a: new CommandClaims(da, 'node-a', { clock: fc.clock }), b: new CommandClaims(db, 'node-b', { clock: fc.clock }), db: da };
  }
  afterEach(async () => {
    for (const d of dbs.splice(0)) await d.close();
  });

  it('of two nodes claiming one id at once, exactly one executes it; the other is told who runs it', async () => {
    const { a, b } = await twoNodes();
    for (let i = 0; i < RACES; i++) {
      const cmd = id();
      const [ra, rb] = await Promise.all([a.claim(cmd), b.claim(cmd)]);
      const winners = [ra, rb].filter((r) => r === 'claimed');
      expect(winners, `${cmd}: ${JSON.stringify([ra, rb])}`).toHaveLength(1);
      const loser = ra === 'claimed' ? rb : ra;
      expect(loser).toEqual({ state: 'running', node: ra === 'claimed' ? 'node-a' : 'node-b' });
    }
  });

  it('a command delivered twice runs once: the second copy gets the outcome the first recorded', async () => {
    const { a, b } = await twoNodes();
    const cmd = id();
    expect(await a.claim(cmd)).toBe('claimed');
    expect(await a.claim(cmd)).toEqual({ state: 'running', node: 'node-a' });
    await a.finish(cmd, { status: 200, body: { outcome: 'accepted' } });
    expect(await b.claim(cmd)).toEqual({ state: 'done', node: 'node-a', result: { status: 200, body: { outcome: 'accepted' } } });
    // Only the node that claimed it records its outcome, and only once.
    await expect(b.finish(cmd, 'x')).rejects.toThrow(`command ${cmd}: node-b cannot record its outcome: it is not running here (done at node node-a)`);
    await expect(a.finish(cmd, 'again')).rejects.toThrow(/not running here \(done at node node-a\)/);
    await expect(a.finish(id(), 'x')).rejects.toThrow(/not running here \(never claimed, or pruned\)/);
  });

  it('abandoned before it arrives, a command is never executed: the late claim is told it was abandoned, and by whom', async () => {
    const { a, b } = await twoNodes();
    const cmd = id();
    expect(await b.abandon(cmd)).toBe('abandoned');
    expect(await a.claim(cmd)).toEqual({ state: 'abandoned', node: 'node-b' });
    expect(await b.abandon(cmd)).toEqual({ state: 'abandoned', node: 'node-b' });
  });

  it('abandoned after it was claimed, the sender is told it runs, and once done, its outcome', async () => {
    const { a, b } = await twoNodes();
    const cmd = id();
    expect(await a.claim(cmd)).toBe('claimed');
    expect(await b.abandon(cmd)).toEqual({ state: 'running', node: 'node-a' });
    await a.finish(cmd, { status: 202 });
    expect(await b.abandon(cmd)).toEqual({ state: 'done', node: 'node-a', result: { status: 202 } });
    // An outcome of nothing is recorded as done without a result.
    const quiet = id();
    expect(await a.claim(quiet)).toBe('claimed');
    await a.finish(quiet, undefined);
    expect(await b.claim(quiet)).toEqual({ state: 'done', node: 'node-a' });
  });

  it('a claim racing an abandon: one of them is first, and the other sees it — never both', async () => {
    const { a, b } = await twoNodes();
    for (let i = 0; i < RACES; i++) {
      const cmd = id();
      const [claimed, abandoned] = await Promise.all([a.claim(cmd), b.abandon(cmd)]);
      if (claimed === 'claimed') {
        expect(abandoned).toEqual({ state: 'running', node: 'node-a' });
      } else {
        expect(abandoned).toBe('abandoned');
        expect(claimed).toEqual({ state: 'abandoned', node: 'node-b' });
      }
    }
  });

  it('release gives up only a claim of its own node still running: then another node may claim it', async () => {
    const { a, b } = await twoNodes();
    const cmd = id();
    expect(await a.claim(cmd)).toBe('claimed');
    await b.release(cmd); // not b's: nothing changes
    expect(await b.claim(cmd)).toEqual({ state: 'running', node: 'node-a' });
    await a.release(cmd);
    expect(await b.claim(cmd)).toBe('claimed');
    await b.finish(cmd, { runId: 7 });
    await b.release(cmd); // done: kept
    expect(await a.claim(cmd)).toEqual({ state: 'done', node: 'node-b', result: { runId: 7 } });
  });

  it('prune forgets the commands older than it is told, and keeps the newer', async () => {
    const { fc, a, b, db } = await twoNodes();
    const [old, done, recent] = [id(), id(), id()];
    expect(await a.claim(old)).toBe('claimed');
    expect(await a.claim(done)).toBe('claimed');
    await fc.advance(30_000);
    await a.finish(done, 'ok'); // finishing moves its time on
    await fc.advance(30_000);
    expect(await b.abandon(recent)).toBe('abandoned');
    await fc.advance(30_000);
    // Now old is 90 s old, done 60 s, recent 30 s.
    expect(await b.prune(60_001)).toBe(1);
    const left = async () => (await db.k.selectFrom('cluster_commands').select('id').orderBy('at').execute()).map((r) => r.id);
    expect(await left()).toEqual([done, recent]);
    expect(await a.prune(30_000)).toBe(1);
    expect(await left()).toEqual([recent]);
    expect(await a.prune(0)).toBe(1);
    expect(await left()).toEqual([]);
  });
});
