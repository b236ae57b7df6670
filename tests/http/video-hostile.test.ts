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
import { describeWithFfmpeg } from '../helpers/ffmpeg.ts';
import { spawnService } from '../helpers/process.ts';
import { testService } from '../helpers/service.ts';
import { videoClient } from '../helpers/video-client.ts';
import { ClipSource, encodeClip } from '../helpers/video-feed.ts';
import { waitFor } from '../helpers/wait.ts';

/** Sends a request's head only (a body announced, none sent) and resolves with the first answer. */
function headOnly(port: number, text: string, withinMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      s.destroy();
      resolve(`no answer within ${withinMs} ms`);
    }, withinMs);
    s.once('data', (d) => {
      clearTimeout(timer);
      s.destroy();
      resolve(d.toString('latin1'));
    });
    s.on('error', reject);
    s.write(text);
  });
}

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

describe('snapshots: refused before the body is read', () => {
  const cleanup = cleanupAfterEach();
  const post = (token: string, length: number) =>
    `POST /api/snapshots?vehicleId=sim-1&takenAt=${Date.now()} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Type: image/jpeg\r\nContent-Length: ${length}\r\n\r\n`;

  it('an officer with no drone over an incident of theirs: 403 at once, without sending the 8 MB announced', async () => {
    const t = await testService();
    cleanup.push(() => t.close());
    const officer = await t.user('zhao', ['officer']);
    // Before: the service read (and held) the whole body first, and only then said no.
    const answer = await headOnly(t.svc.port, post(officer, 8 * 1024 * 1024), 2000);
    expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(answer).toContain("you may not watch sim-1's video, so you may not take a still of it");
  });
});

describeWithFfmpeg('video socket: the audit', () => {
  const cleanup = cleanupAfterEach();

  it('who watched which drone is audited with the address they watched from', async () => {
    const t = await testService();
    cleanup.push(() => t.close());
    const camera = new ClipSource(encodeClip({ seconds: 1, gop: 5 }), 'cam-1');
    cleanup.push(() => camera.close());
    t.svc.video.attach('cam-1', camera);
    const c = await videoClient(t.base, 'cam-1', { token: await t.user('room', ['command']) });
    cleanup.push(() => c.close());
    expect(c.refused).toBeNull();
    // Before: recorded with no address (ip null), unlike every other audited request.
    const watched = await waitFor('the audit entry', async () => (await t.svc.store.audit.query({ action: 'video.watch' }))[0], 2000);
    expect(watched).toMatchObject({ user: 'room', action: 'video.watch', target: 'cam-1', result: 'ok', ip: '127.0.0.1' });
  });
});

describeWithFfmpeg('video socket: sockets per session', () => {
  const cleanup = cleanupAfterEach();

  it('one session holds at most 16 video sockets: the 17th is refused with 429 before the upgrade; another session is not held back; a closed one frees its place', async () => {
    const t = await testService();
    cleanup.push(() => t.close());
    const camera = new ClipSource(encodeClip({ seconds: 1, gop: 5 }), 'cam-1');
    cleanup.push(() => camera.close());
    t.svc.video.attach('cam-1', camera);
    const token = await t.user('room', ['command']);
    const open = [];
    for (let i = 0; i < 16; i++) {
      const c = await videoClient(t.base, 'cam-1', { token });
      cleanup.push(() => c.close());
      expect(c.refused).toBeNull();
      open.push(c);
    }
    const extra = await videoClient(t.base, 'cam-1', { token });
    cleanup.push(() => extra.close());
    expect(extra.refused).toEqual({
      status: 429,
      body: JSON.stringify({ error: 'too many video sockets: this session already holds 16 (at most 16); close some to open another' }),
    });
    const other = await videoClient(t.base, 'cam-1', { token: await t.user('room2', ['command']) });
    cleanup.push(() => other.close());
    expect(other.refused).toBeNull();
    open[0]!.close();
    await waitFor('a place freed', async () => {
      const again = await videoClient(t.base, 'cam-1', { token });
      cleanup.push(() => again.close());
      return again.refused === null;
    }, 5000);
  });
});
