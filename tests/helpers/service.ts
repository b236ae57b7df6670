import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { startService, type Service, type ServiceOptions } from '../../server/service.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../server/wire/types.ts';
import { hashPassword } from '../../server/auth/passwords.ts';
import type { Role } from '../../server/store/users.ts';

export const ADMIN_PASSWORD = 'admin-test-password';

/** The real service on an ephemeral port with a fresh data folder. */
export async function testService(opts: Partial<ServiceOptions> = {}) {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-'));
  const svc: Service = await startService({
    port: 0,
    host: '127.0.0.1',
    links: [],
    sim: 0,
    tlog: { enabled: false, maxAgeDays: 30, maxTotalMB: 2000 },
    adminPassword: ADMIN_PASSWORD,
    ...opts,
    dataDir,
  });
  const base = `http://127.0.0.1:${svc.port}`;
  const sockets: Socket[] = [];
  return {
    svc,
    base,
    dataDir,
    /** fetch JSON with an optional bearer token */
    async api(method: string, url: string, token?: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await fetch(base + url, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, body: json, headers: res.headers };
    },
    /** create an account directly in the store and log it in over HTTP */
    async user(name: string, roles: Role[]): Promise<string> {
      const password = `${name}-password`;
      await svc.store.users.add(name, await hashPassword(password), roles);
      return this.login(name, password);
    },
    async login(name: string, password: string): Promise<string> {
      const r = await this.api('POST', '/api/login', undefined, { username: name, password });
      if (r.status !== 200) throw new Error(`login ${name}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token;
    },
    socket(token?: string): Socket<ServerToClientEvents, ClientToServerEvents> {
      const s = connectSocket(base, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false });
      sockets.push(s);
      return s;
    },
    async close() {
      for (const s of sockets) s.close();
      await svc.close();
    },
  };
}
