import crypto from 'node:crypto';
import net from 'node:net';
import { expect, it } from 'vitest';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const cleanup = cleanupAfterEach();

/**
 * A socket.io client reduced to the wire: a websocket upgrade and one CONNECT packet with the
 * session token, then nothing — no reads, no pongs. (socket.io-client would give up by itself
 * after its own ping timeout, which would hide what the server does.)
 */
async function mutePeer(port: number, token: string): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  sock.write(
    `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve) => {
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      sock.off('data', onData);
      resolve();
    };
    sock.on('data', onData);
  });
  // One masked text frame: engine.io message (4) carrying a socket.io CONNECT (0) with the auth.
  const payload = Buffer.from(`40${JSON.stringify({ token })}`);
  const mask = crypto.randomBytes(4);
  const header = payload.length < 126
    ? Buffer.from([0x81, 0x80 | payload.length])
    : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  sock.write(Buffer.concat([header, mask, payload.map((b, i) => b ^ mask[i % 4]!)]));
  // Wait for socket.io's CONNECT answer (logged in, in the fleet room), then stop reading.
  await new Promise<void>((resolve) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString('latin1');
      if (!seen.includes('40{"sid"')) return;
      sock.off('data', onData);
      sock.pause();
      resolve();
    };
    sock.on('data', onData);
  });
  return sock;
}

it('a map client that stops reading is dropped by the heartbeat; the others get their batches on time', async () => {
  const t = await testService({ sim: 3 });
  cleanup.push(() => t.close());
  const good = t.socket(await t.user('good', ['command']));
  const officer = t.socket(await t.user('li', ['officer']));
  await waitFor('connected', () => good.connected && officer.connected);
  const mute = await mutePeer(Number(new URL(t.base).port), await t.user('mute', ['command']));
  cleanup.push(() => mute.destroy());
  // Non-volatile traffic that piles up for a reader that never reads: an officer on the move.
  officer.emit('officer:duty', true);
  let step = 0;
  const walk = setInterval(() => officer.emit('officer:location', { lat: 28.37 + ++step * 1e-5, lon: 121.38 }), 200);
  cleanup.push(() => clearInterval(walk));
  let batches = 0;
  good.on('vehicles:update', () => {
    batches++;
  });

  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, 60_000)); // past engine.io's ping interval + timeout (25 s + 20 s)
  expect(batches / ((Date.now() - t0) / 1000)).toBeGreaterThan(3.5); // 4 a second, slow client or not
  expect(good.connected).toBe(true);

  // Reading again, the mute client finds the server has hung up on it: after the ping timeout it
  // sent a close frame and, with no answer, ends the connection ws's 30 s later at most.
  const closed = new Promise((r) => mute.once('close', () => r('closed')));
  mute.resume();
  expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r('still open'), 35_000))])).toBe('closed');
});
