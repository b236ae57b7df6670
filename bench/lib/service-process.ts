import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashPassword } from '../../server/auth/passwords.ts';
import { SESSION_TTL_MS } from '../../server/http/auth.ts';
import { openStore } from '../../server/store/index.ts';
import type { Role } from '../../server/store/users.ts';
import { spawnService } from '../../tests/helpers/process.ts';

/**
 * A fresh data folder holding the accounts a benchmark needs, each with a session token.
 * Written through the service's own store before it starts: logging 200 officers in over HTTP
 * would trip the login rate limit (30 a minute per address) and cost 200 scrypt hashes.
 */
export async function dataDirWithAccounts(accounts: { name: string; roles: Role[] }[]): Promise<{ dataDir: string; tokens: Map<string, string> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-bench-'));
  const store = await openStore(dataDir);
  const hash = await hashPassword('bench-password');
  const tokens = new Map<string, string>();
  try {
    for (const a of accounts) {
      const u = await store.users.add(a.name, hash, a.roles, a.name);
      tokens.set(a.name, (await store.users.createSession(u.id, SESSION_TTL_MS, '127.0.0.1')).token);
    }
  } finally {
    await store.close();
  }
  return { dataDir, tokens };
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU time (user + system, all threads) and resident memory of a process, from /proc (Linux). */
export function procStats(pid: number): { cpuMs: number; rssBytes: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime and stime are fields 14 and 15.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return { cpuMs: (ticks * 1000) / CLK_TCK, rssBytes: rssKb * 1024 };
}

/** UDP ports free right now on loopback, for the service's --link udpin:// (bound and released). */
export async function freeUdpPorts(n: number): Promise<number[]> {
  const sockets = await Promise.all(Array.from({ length: n }, () =>
    new Promise<dgram.Socket>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.bind(0, '127.0.0.1', () => resolve(s));
    })));
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise((r) => s.close(() => r(null)))));
  return ports;
}

/**
 * The real service as its own process (`node --import tsx server/main.ts`), so its CPU and
 * memory are its own. Resolves once it listens, with its HTTP port.
 */
export async function startServiceProcess(args: string[], dataDir: string) {
  const svc = spawnService(['--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--sim', '0', '--tiles', 'none', ...args], {
    SKYBEAT_ADMIN_PASSWORD: 'bench-admin-password',
  });
  const { child, output: out } = svc;
  const port = await svc.port();
  return {
    pid: child.pid!,
    port,
    base: `http://127.0.0.1:${port}`,
    output: out,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
