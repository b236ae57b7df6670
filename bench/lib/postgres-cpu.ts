/**
 * The CPU time PostgreSQL's server spends for one store (bench/store.bench.ts): on SQLite the
 * database works inside the service's process, on PostgreSQL in the server's backends, so a write's
 * whole cost is the process's and its backends'. Read from /proc (the server on this machine), for
 * the backends of the store's own pool only: the WAL writer and checkpointer, shared with every
 * other client of the server, are left out.
 */
import fs from 'node:fs';
import os from 'node:os';
import { sql } from 'kysely';
import type { Db } from '../../server/store/connection.ts';

/** clock ticks a second, as /proc counts CPU time (USER_HZ: 100 on Linux) */
const TICK_MS = 10;

/** ms of CPU (user + system) the process has used, or undefined when it is gone or not readable */
function cpuMs(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

export interface BackendCpu {
  /** ms of CPU the backends used since start; NaN where /proc cannot tell (another machine's server) */
  stop(): number;
}

/** Open the pool's connections (`connections` at once) and start counting their backends' CPU. */
export async function startBackendCpu(db: Db, connections = 4): Promise<BackendCpu> {
  if (os.platform() !== 'linux') return { stop: () => NaN };
  // Held at once, so each is a connection of its own; the pool keeps them for the phase that follows.
  const pids = await Promise.all(
    Array.from({ length: connections }, async () => (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid, pg_sleep(0.05)`.execute(db.k)).rows[0]!.pid),
  );
  const start = new Map(pids.map((pid) => [pid, cpuMs(pid)] as const));
  if ([...start.values()].some((v) => v === undefined)) return { stop: () => NaN };
  return {
    stop: () => {
      let ms = 0;
      for (const [pid, before] of start) {
        const now = cpuMs(pid);
        // A connection the pool closed while idle did no work for the phase after its last use.
        if (now !== undefined) ms += now - before!;
      }
      return ms;
    },
  };
}
