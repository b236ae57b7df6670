import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { io as connectSocket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { pruneTlogs } from '../../server/links/tlog-retention.ts';
import { spawnService } from '../helpers/process.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { COMPOSE_SKIPPED, composeConfig, composeIt, compose, enabledServices, NO_COMPOSE, runCompose, runComposeWith, serviceBlock } from './compose-file.ts';

const cleanup = cleanupAfterEach();
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-ops-'));

describe('health and metrics', () => {
  it('report links, vehicles, packets, socket clients and alert delivery', async () => {
    const t = await testService({ sim: 2, simOptions: { demo: false, seed: 3 } });
    cleanup.push(() => t.close());
    await waitFor('two drones', () => t.svc.fleet.vehicles.size === 2, 15_000);
    const health = await t.api('GET', '/api/health');
    expect(health.body).toMatchObject({ status: 'ok', links: { total: 1, up: 1 }, vehicles: { total: 2, lost: 0 } });
    const token = await t.user('room', ['command']);
    const s = t.socket(token);
    await new Promise<void>((r) => s.on('connect', () => r()));
    const text = await (await fetch(`${t.base}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value(`skybeat_link_frames_total\\{link="udpin://127\\.0\\.0\\.1:\\d+"\\}`)).toBeGreaterThan(0);
    expect(value(`skybeat_link_crc_errors_total\\{link="udpin://127\\.0\\.0\\.1:\\d+"\\}`)).toBe(0);
    expect(value(`skybeat_link_up\\{link="udpin://127\\.0\\.0\\.1:\\d+"\\}`)).toBe(1);
    expect(value('skybeat_vehicles\\{state="ok"\\}')).toBe(2);
    expect(value('skybeat_socket_clients')).toBe(1);
    expect(text).toMatch(/^# TYPE skybeat_alert_delivery_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE skybeat_mission_transfers_total counter$/m);
    expect(text).toMatch(/^skybeat_process_resident_memory_bytes \d+/m);
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM tells connected users, refuses commands, closes cleanly and exits 0', async () => {
    const dataDir = tmp();
    const svc = spawnService(['--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--sim', '1', '--no-tlog'], {
      SKYBEAT_ADMIN_PASSWORD: 'shutdown-test-pw',
    });
    cleanup.push(() => svc.child.kill('SIGKILL'));
    const port = await svc.port();
    const base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'shutdown-test-pw' }),
    });
    const { token } = await login.json() as { token: string };
    const socket = connectSocket(base, { auth: { token }, transports: ['websocket'], reconnection: false });
    cleanup.push(() => socket.close());
    const told = new Promise<string>((r) => socket.on('server:shutdown', r));
    await new Promise<void>((r) => socket.on('connect', () => r()));

    svc.child.kill('SIGTERM');
    expect(await told).toBe('SIGTERM');
    expect(await svc.exited).toBe(0);
    expect(svc.output()).toMatch(/stopped/);
    // The database was closed cleanly: no WAL left behind to replay.
    expect(fs.existsSync(path.join(dataDir, 'skybeat.db-wal'))).toBe(false);
  });

  it('refuses state-changing requests once stopping', async () => {
    const t = await testService();
    const token = await t.login('admin', 'admin-test-password');
    const closing = t.svc.close('maintenance');
    // close() stops taking changes at once, then waits a moment for the goodbye to reach sockets.
    const r = await t.api('POST', '/api/users', token, { name: 'late', password: 'late-password-1', roles: ['pilot'] });
    await closing;
    expect(r).toMatchObject({ status: 503, body: { error: 'not accepted: the service is stopping (maintenance)' } });
  });
});

describe('HTTPS', () => {
  it('serves the API over TLS with a certificate made here', async () => {
    const dir = tmp();
    execFileSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const t = await testService({ tls: { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') } });
    cleanup.push(() => t.close());
    const body = await new Promise<string>((resolve, reject) => {
      https.get(
        { host: '127.0.0.1', port: t.svc.port, path: '/api/health', ca: fs.readFileSync(path.join(dir, 'cert.pem')), servername: 'localhost' },
        (res) => {
          let b = '';
          res.on('data', (d) => {
            b += d;
          });
          res.on('end', () => resolve(b));
        },
      ).on('error', reject);
    });
    expect(JSON.parse(body)).toMatchObject({ status: 'ok' });
  });
});

describe('telemetry log retention', () => {
  it('removes logs older than the limit and the oldest beyond the size cap, never the live ones', () => {
    const dir = tmp();
    const now = Date.now();
    const make = (name: string, ageH: number, kb: number) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, Buffer.alloc(kb * 1024));
      fs.utimesSync(f, (now - ageH * 3600_000) / 1000, (now - ageH * 3600_000) / 1000);
    };
    make('old.tlog', 24 * 40, 10);
    make('big-a.tlog', 48, 600);
    make('big-b.tlog', 24, 600);
    make('live.tlog', 0, 600);
    expect(pruneTlogs(dir, 30, 1).sort()).toEqual(['big-a.tlog', 'big-b.tlog', 'old.tlog']);
    expect(fs.readdirSync(dir)).toEqual(['live.tlog']);
  });
});

describe('docker compose file', () => {
  composeIt(
    `is valid, and its sitl profile links three SITL copters to SkyBeat through relays${COMPOSE_SKIPPED}`,
    () => {
      expect(compose, NO_COMPOSE).toBeDefined();
      for (const profile of [[], ['--profile', 'sitl'], ['--profile', 'postgres']]) {
        const r = runCompose(...profile, 'config', '--quiet');
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
      }
      // What each profile starts, read from the services' profiles (docker-compose 1.29 lists every service whatever the profiles).
      const both = composeConfig({}, '--profile', 'sitl', '--profile', 'postgres');
      expect(enabledServices(both, [])).toEqual(['skybeat']);
      expect(enabledServices(both, ['sitl'])).toEqual(['relay1', 'relay2', 'relay3', 'sitl1', 'sitl2', 'sitl3', 'skybeat']);
      expect(enabledServices(both, ['postgres'])).toEqual(['postgres', 'skybeat']);

      const config = runCompose('--profile', 'sitl', 'config').stdout;
      const skybeat = serviceBlock(config, 'skybeat');
      expect(skybeat).toMatch(/^ +SKYBEAT_LINKS: ['"]?udpin:\/\/0\.0\.0\.0:14550['"]?$/m);
      expect(skybeat).toMatch(/^ +image: skybeat:latest$/m);
      for (const n of [1, 2, 3]) {
        const sitl = serviceBlock(config, `sitl${n}`);
        expect(sitl).toMatch(/^ +- sitl$/m); // only with the profile
        expect(sitl).toMatch(new RegExp(`^ +SYSID: ['"]?${n}['"]?$`, 'm')); // each copter its own system id
        expect(sitl).toMatch(/SYSID_THISMAV %s\\nMAV_SYSID %s\\n' \$\$?SYSID \$\$?SYSID[\s\S]*sim_vehicle\.py/); // "$$" may come back unescaped
        const relay = serviceBlock(config, `relay${n}`);
        expect(relay).toMatch(/^ +- sitl$/m);
        expect(relay).toMatch(/^ +image: skybeat:latest$/m); // the image the skybeat service builds
        expect(relay.replace(/\n\s*- /g, ' ')).toContain(
          `command: node dist/server/tools/faultproxy.js --listen tcpout://sitl${n}:5760 --to udpout://skybeat:14550`,
        );
        expect(relay).toMatch(new RegExp(`^ +sitl${n}:`, 'm')); // started after its copter
      }
    },
  );

  composeIt(
    `its postgres profile runs the official PostgreSQL image with a volume and a health check, and SkyBeat's store is SKYBEAT_DATABASE_URL${COMPOSE_SKIPPED}`,
    () => {
      expect(compose).toBeDefined();
      const trial = runCompose('--profile', 'postgres', 'config').stdout;
      const postgres = serviceBlock(trial, 'postgres');
      expect(postgres).toMatch(/^ +image: postgres:15$/m);
      expect(postgres).toMatch(/^ +profiles:\n +- postgres$/m); // only with the profile
      expect(postgres).toMatch(/^ +POSTGRES_PASSWORD: ['"]?skybeat-trial['"]?$/m); // the README's trial default
      expect(postgres).toMatch(/- pg_isready -U skybeat -d skybeat$/m);
      expect(postgres).toMatch(/skybeat-postgres[\s\S]*\/var\/lib\/postgresql\/data/); // the named volume, short or long form
      expect(trial).toMatch(/^volumes:\n(?: {2}.*\n)* {2}skybeat-postgres:/m);
      expect(serviceBlock(trial, 'skybeat')).toMatch(/^ +SKYBEAT_DATABASE_URL: (''|"")$/m); // unset: the SQLite file, as before

      const url = 'postgres://skybeat:their-own@postgres:5432/skybeat';
      const set = runComposeWith({ SKYBEAT_DATABASE_URL: url, POSTGRES_PASSWORD: 'their-own' }, '--profile', 'postgres', 'config').stdout;
      expect(serviceBlock(set, 'skybeat')).toMatch(/^ +SKYBEAT_DATABASE_URL: ['"]?postgres:\/\/skybeat:their-own@postgres:5432\/skybeat['"]?$/m);
      expect(serviceBlock(set, 'postgres')).toMatch(/^ +POSTGRES_PASSWORD: ['"]?their-own['"]?$/m);
    },
  );
});
