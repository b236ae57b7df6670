/**
 * Hostile requests to the video socket (GET /api/video/:id/live) against the real service as its own
 * process, over a raw TCP socket: what no browser sends but anyone on the network can.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { spawnService } from '../helpers/process.ts';

/** Sends one raw request and resolves with everything the service answered before it closed. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.write(text);
  });
}

const upgrade = (url: string) =>
  `GET ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;

describe('video socket: hostile handshakes', () => {
  const cleanup = cleanupAfterEach();

  it('a malformed escape in the drone id is refused with 400 before any check; the service lives on', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-video-hostile-'));
    const svc = spawnService(['--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--sim', '0', '--no-tlog'], {
      SKYBEAT_ADMIN_PASSWORD: 'hostile-test-pw',
    });
    cleanup.push(() => svc.child.kill('SIGKILL'));
    const port = await svc.port();
    // No session, no origin: decodeURIComponent threw inside the 'upgrade' listener, which nothing
    // catches, so this one unauthenticated request ended the process (and every drone's link).
    const answer = await rawRequest(port, upgrade('/api/video/%E0%A4%A/live'));
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('is not a well-formed URL path segment');
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);
    expect(svc.child.exitCode).toBeNull();
  });
});
