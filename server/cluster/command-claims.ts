/**
 * Exactly-once forwarded commands: a command sent from one node to the node linking the drone
 * carries an id (a UUID), and the node that carries it out first claims that id in the shared
 * database (table cluster_commands). The first row written for an id decides:
 *
 * - `claim` (the executing node) writes 'running' and executes only if its row went in; a copy of
 *   the command delivered twice, or to two nodes, finds the row and is not executed again;
 * - `abandon` (the sender, after giving up waiting and telling the pilot it was refused) writes
 *   'abandoned', so the command, should it still arrive, is never executed after that answer.
 *
 * Each is one INSERT … ON CONFLICT DO NOTHING, so the database alone orders racing nodes.
 * A node killed while executing leaves its row 'running': the sender is told it did not finish.
 */
import { type Clock, realClock } from '../clock.ts';
import { Refusal } from '../refusal.ts';
import type { Db } from '../store/connection.ts';
import { NODE_NAME } from './node.ts';

export type CommandState = 'running' | 'done' | 'abandoned';

/** The row another node (or an earlier copy) wrote first. */
export interface CommandClaim {
  state: CommandState;
  /** the outcome, once 'done' */
  result?: unknown;
  /** who wrote it: the node executing it, or the sender that abandoned it */
  node: string;
}

/** What a command id may be: a UUID, or any id of letters, digits and - alike (8 to 64). */
const COMMAND_ID = /^[A-Za-z0-9][A-Za-z0-9-]{7,63}$/;

export class CommandClaims {
  private readonly clock: Clock;

  constructor(private readonly db: Db, readonly node: string, o: { clock?: Clock } = {}) {
    if (!NODE_NAME.test(node)) throw new Error(`command claims: node name "${node}" must be lower-case letters, digits and -, starting with a letter (≤ 32)`);
    this.clock = o.clock ?? realClock;
  }

  /** Claim `id` to execute it: 'claimed' if this node is the first (and so executes it), else the row that was. */
  claim(id: string): Promise<'claimed' | CommandClaim> {
    return this.first(id, 'running', 'claimed');
  }

  /** Record the outcome of a command this node claimed. */
  async finish(id: string, result: unknown): Promise<void> {
    checkId(id);
    const r = await this.db.k.updateTable('cluster_commands')
      .set({ state: 'done', result: JSON.stringify(result) ?? null, at: this.clock.now() })
      .where('id', '=', id).where('node', '=', this.node).where('state', '=', 'running')
      .executeTakeFirst();
    if (r.numUpdatedRows > 0n) return;
    const row = await this.row(id);
    const found = row ? `${row.state} at node ${row.node}` : 'never claimed, or pruned';
    throw new Error(`command ${id}: ${this.node} cannot record its outcome: it is not running here (${found})`);
  }

  /**
   * Give up a claim this node holds and has not finished (a scheduled launch refused by its checks):
   * another node, or this one later, may claim it again. Anything else is left as it is.
   */
  async release(id: string): Promise<void> {
    checkId(id);
    await this.db.k.deleteFrom('cluster_commands').where('id', '=', id).where('node', '=', this.node).where('state', '=', 'running').execute();
  }

  /**
   * The sender gave up waiting for `id`: 'abandoned' if no node had claimed it (and none will now),
   * else the claim that came first (running, or done with its result).
   */
  abandon(id: string): Promise<'abandoned' | CommandClaim> {
    return this.first(id, 'abandoned', 'abandoned');
  }

  /**
   * Forget the commands older than `olderThanMs`; returns how many. Keep it well above the time
   * the bus accepts a message after it was signed (signing.ts WINDOW_MS): a forgotten id whose
   * command could still arrive would be executed.
   */
  async prune(olderThanMs: number): Promise<number> {
    const r = await this.db.k.deleteFrom('cluster_commands').where('at', '<', this.clock.now() - olderThanMs).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Write `id`'s row as `state` unless one is there: `won` if written, else the row that was. */
  private async first<W extends string>(id: string, state: 'running' | 'abandoned', won: W): Promise<W | CommandClaim> {
    checkId(id);
    for (;;) {
      const inserted = await this.db.k.insertInto('cluster_commands')
        .values({ id, node: this.node, state, result: null, at: this.clock.now() })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows) > 0) return won;
      const row = await this.row(id);
      if (row) return row;
      // Pruned between the two statements (only a very old id can be): try again.
    }
  }

  private async row(id: string): Promise<CommandClaim | undefined> {
    const row = await this.db.k.selectFrom('cluster_commands').select(['state', 'result', 'node']).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return { state: row.state, node: row.node, ...(row.result !== null && { result: JSON.parse(row.result) as unknown }) };
  }
}

function checkId(id: string): void {
  if (typeof id !== 'string' || !COMMAND_ID.test(id)) {
    const shown = typeof id === 'string' ? JSON.stringify(id.length > 70 ? `${id.slice(0, 70)}…` : id) : typeof id;
    throw new Refusal('invalid', `command id ${shown} is not a command id: 8 to 64 letters, digits and -, as a UUID is`);
  }
}
