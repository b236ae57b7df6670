/**
 * Hostile RTSP cameras against the real service as its own process (so a frozen event loop shows
 * as a service that stops answering, not as a hung test): two simulated drones whose configured
 * cameras are TCP servers here that answer every request with a body length that is no length,
 * or with "Content-Length: 2000000000" and then megabytes as fast as the socket takes them.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RtspVideoSource } from '../../server/video/rtsp-source.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { spawnService } from '../helpers/process.ts';
import { waitFor } from '../helpers/wait.ts';

type Answer = (socket: net.Socket, cseq: string, request: string) => void;

/** A "camera" that answers each request it reads with `answer`; counts the bytes it pushed. */
async function hostileCamera(answer: Answer) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((c) => {
    sockets.add(c);
    c.on('error', () => {});
    c.on('close', () => sockets.delete(c));
    c.on('data', (d) => answer(c, /CSeq: (\d+)/i.exec(d.toString('latin1'))?.[1] ?? '1', d.toString('latin1')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    uri: `rtsp://127.0.0.1:${(server.address() as net.AddressInfo).port}/stream`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const notALength: Answer = (c, cseq) => c.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nContent-Length: x\r\n\r\n`);

const twoGigabytes: Answer = (c, cseq) => {
  c.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nContent-Length: 2000000000\r\n\r\n`);
  const chunk = Buffer.alloc(1 << 20, 0x41);
  const pump = () => {
    while (!c.destroyed && c.write(chunk));
  };
  c.on('drain', pump);
  pump();
};

describe('hostile RTSP cameras', () => {
  const cleanup = cleanupAfterEach();

  it('a Content-Length that is no length, or 2 GB, ends the session saying so; the service keeps answering', async () => {
    const [nan, huge] = [await hostileCamera(notALength), await hostileCamera(twoGigabytes)];
    cleanup.push(() => nan.close(), () => huge.close());
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-rtsp-hostile-'));
    const config = path.join(dataDir, 'skybeat.config.json');
    fs.writeFileSync(config, JSON.stringify({ video: { sources: { 'sim-1': nan.uri, 'sim-2': huge.uri } } }));
    const svc = spawnService(['--config', config, '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--sim', '2', '--no-tlog'], {
      SKYBEAT_ADMIN_PASSWORD: 'rtsp-hostile-pw',
    });
    cleanup.push(() => svc.child.kill('SIGKILL'));
    const base = `http://127.0.0.1:${await svc.port()}`;
    const login = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'rtsp-hostile-pw' }),
    });
    const { token } = (await login.json()) as { token: string };
    const reasons = async () => {
      // Before: Content-Length "x" made the reader parse the same answer forever (subarray(NaN) is
      // the whole buffer): the process froze and this request was never answered.
      const r = await fetch(`${base}/api/video-sources`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000) });
      const body = (await r.json()) as { sources: Array<{ drone: string; health: { reason?: string } | null }> };
      return Object.fromEntries(body.sources.map((s) => [s.drone, s.health?.reason ?? '']));
    };
    // 10 s is the session's own request timeout: the refusal must come from reading the answer.
    await waitFor('both cameras refused for what they sent', async () => {
      const r = await reasons();
      return /Content-Length "x" is not a length/.test(r['sim-1'] ?? '') && /a body of 2000000000 bytes/.test(r['sim-2'] ?? '');
    }, 8000);
    const r = await reasons();
    expect(r['sim-1']).toMatch(/^the camera's answer cannot be read: Content-Length "x" is not a length; connecting again in \d+ s$/);
    expect(r['sim-2']).toMatch(/over the 256 kB an RTSP answer may have; connecting again in \d+ s$/);
    expect((await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2000) })).status).toBe(200);
    expect(svc.child.exitCode).toBeNull();
  }, 30_000);

  it('a camera that says its nonce is stale at every answer is asked three times, then refused for the password', async () => {
    let asked = 0;
    const camera = await hostileCamera((c, cseq) => {
      asked++;
      c.write(`RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq}\r\nWWW-Authenticate: Digest realm="cam", nonce="n${asked}", stale=true\r\n\r\n`);
    });
    cleanup.push(() => camera.close());
    // The reconnect waits on a clock that does not move here: all the camera sees is one session.
    const source = new RtspVideoSource(camera.uri.replace('rtsp://', 'rtsp://admin:secret@'), { clock: fakeClock().clock });
    cleanup.push(() => source.close());
    await waitFor('the refusal', () => /refused the user name or password/.test(source.health().reason ?? ''), 5000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a loop would keep asking meanwhile
    // Before: asked again at once after every stale answer, tens of thousands of times a second.
    expect(asked).toBe(3);
    expect(source.health().reason).toMatch(/^OPTIONS: the camera refused the user name or password \(401 Unauthorized\); connecting again in 1 s$/);
  });

  it('a camera that floods its own requests and never reads our answers is cut off at 64 kB unread', async () => {
    const camera = await hostileCamera((c) => {
      if (c.isPaused()) return;
      c.pause(); // reads our OPTIONS, then nothing more
      const requests = Buffer.from('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n'.repeat(2000));
      const pump = () => {
        while (!c.destroyed && c.write(requests));
      };
      c.on('drain', pump);
      pump();
    });
    cleanup.push(() => camera.close());
    const source = new RtspVideoSource(camera.uri, { clock: fakeClock().clock });
    cleanup.push(() => source.close());
    // Before: every answer stayed in our write buffer, ~20 MB a second, until the request timeout.
    await waitFor('the cut', () => /sends requests without reading the answers/.test(source.health().reason ?? ''), 3000);
    expect(source.health().reason).toMatch(/^the camera sends requests without reading the answers \(\d+ bytes unread\); connecting again in 1 s$/);
  });

  it('a session timeout of 99999999 s does not become a keepalive every millisecond', async () => {
    const sdp = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track1\r\n';
    const methods: string[] = [];
    const camera = await hostileCamera((c, cseq, request) => {
      const method = /^[A-Z_]+/.exec(request)?.[0] ?? '';
      methods.push(method);
      const ok = `RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\n`;
      if (method === 'OPTIONS') c.write(`${ok}Public: OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER\r\n\r\n`);
      else if (method === 'DESCRIBE') c.write(`${ok}Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`);
      else if (method === 'SETUP') c.write(`${ok}Session: s1;timeout=99999999\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n`);
      else c.write(`${ok}\r\n`);
    });
    cleanup.push(() => camera.close());
    // The real clock: the overflow is Node's timers' own (a delay past 2^31 ms is taken as 1 ms).
    const source = new RtspVideoSource(camera.uri);
    cleanup.push(() => source.close());
    await waitFor('playing', () => methods.includes('PLAY'), 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Before: a GET_PARAMETER every millisecond, for as long as the camera played (~300 here).
    expect(methods.filter((m) => m === 'GET_PARAMETER')).toEqual([]);
  });
});
