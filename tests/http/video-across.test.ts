/**
 * The page's node between a page and the drone's node (server/http/video-across.ts), on real sockets:
 * two small HTTP servers on loopback — the drone's node, whose video socket does what each test says,
 * and the page's node, which watches through it — and a WebSocket client as the page. What the page
 * sent goes on as it came (session, origin, host), what the drone's node says comes back unchanged
 * (messages, its close, its refusal), its death is a close of its own, and a page that stops reading
 * holds the drone's node back instead of filling the page's node.
 */
import { VIDEO_CLOSE } from '../../server/wire/types.ts';
import http, { type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { RemoteFleet } from '../../server/http/remote-fleet.ts';
import { answerUpgrade, PAUSE_AT, VIDEO_VIA, watchAcross } from '../../server/http/video-across.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { videoClient } from '../helpers/video-client.ts';
import { waitFor } from '../helpers/wait.ts';

const DRONE = 'hf1-1';

async function listen(server: http.Server, cleanup: (() => unknown)[]): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** The drone's node: each upgrade refused as `refusal` says, or taken and handed to `serve`. */
async function droneNode(cleanup: (() => unknown)[], serve: (ws: WebSocket) => void, refusal?: { status: number; body: string }) {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const asked: IncomingMessage[] = [];
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    asked.push(req);
    if (refusal) return answerUpgrade(socket, refusal.status, refusal.body);
    wss.handleUpgrade(req, socket, head, serve);
  });
  return { url: await listen(server, cleanup), asked };
}

/** The page's node: every video upgrade watched through the drone's node at `url`. */
async function pageNode(cleanup: (() => unknown)[], url: string) {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const pipes: { page: WebSocket; upstream: WebSocket }[] = [];
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    watchAcross({ node: 'centre', remote: new RemoteFleet(), local: () => false }, {
      vehicleId: DRONE,
      there: { node: 'hf', url },
      req,
      socket,
      accept: (done) => wss.handleUpgrade(req, socket, head, done),
      opened: (page, upstream) => pipes.push({ page, upstream }),
    });
  });
  return { base: await listen(server, cleanup), pipes };
}

describe("watching a camera through the drone's node", () => {
  const cleanup = cleanupAfterEach();
  const page = async (base: string, o: { token?: string; origin?: string } = {}) => {
    const c = await videoClient(base, DRONE, o);
    cleanup.push(() => c.close());
    return c;
  };

  it("carries the page's session, origin and host to the drone's node, and its messages back unchanged, both ways", async () => {
    const fromPage: string[] = [];
    const hf = await droneNode(cleanup, (ws) => {
      ws.send(JSON.stringify({ type: 'feed', feed: { vehicleId: DRONE } }));
      ws.send(Buffer.from('0000000cftypisom', 'latin1'), { binary: true });
      ws.on('message', (d: Buffer) => fromPage.push(d.toString()));
    });
    const centre = await pageNode(cleanup, hf.url);
    const c = await page(centre.base, { token: 'the-token', origin: centre.base });
    expect(c.refused).toBeNull();
    await waitFor('both messages', () => c.got.length === 2);
    expect(c.got).toEqual([{ text: { type: 'feed', feed: { vehicleId: DRONE } } }, { bin: Buffer.from('0000000cftypisom', 'latin1') }]);
    const [asked] = hf.asked;
    expect(asked!.url).toBe(`/api/video/${DRONE}/live`);
    expect(asked!.headers).toMatchObject({
      authorization: 'Bearer the-token',
      origin: centre.base,
      host: new URL(centre.base).host,
      [VIDEO_VIA]: 'centre',
    });
    c.ws.send('hello');
    await waitFor("the page's message at the drone's node", () => fromPage.length === 1);
    expect(fromPage).toEqual(['hello']);
  });

  it("answers with the drone's node's refusal as it came, and names the node that does not answer", async () => {
    const body = JSON.stringify({ error: 'sim-hf-1 belongs to station hf; li works for station wl' });
    const hf = await droneNode(cleanup, () => {}, { status: 403, body });
    expect((await page((await pageNode(cleanup, hf.url)).base)).refused).toEqual({ status: 403, body });

    const gone = await droneNode(cleanup, () => {});
    cleanup.pop()!(); // its server closed: nothing listens there now
    const refused = (await page((await pageNode(cleanup, gone.url)).base)).refused;
    expect(refused?.status).toBe(502);
    expect(JSON.parse(refused!.body).error).toMatch(new RegExp(`^drone ${DRONE} is served by node hf, which does not answer at ${gone.url} \\(.*ECONNREFUSED`));
  });

  it("closes the page as the drone's node closed it; its death with a close of its own; the page's close reaches it", async () => {
    const closes: number[] = [];
    let mode: 'close' | 'die' | 'stay' = 'close';
    const hf = await droneNode(cleanup, (ws) => {
      ws.on('close', (code) => closes.push(code));
      if (mode === 'close') ws.close(4403, `drone ${DRONE} no longer serves your incident`);
      if (mode === 'die') (ws as unknown as { _socket: import('node:net').Socket })._socket.destroy();
    });
    const centre = await pageNode(cleanup, hf.url);
    expect(await (await page(centre.base)).closed).toEqual({ code: 4403, reason: `drone ${DRONE} no longer serves your incident` });
    mode = 'die';
    expect(await (await page(centre.base)).closed).toEqual({ code: VIDEO_CLOSE.nodeGone, reason: 'node hf, which serves this drone, went away' });
    mode = 'stay';
    const c = await page(centre.base);
    await waitFor('open through', () => centre.pipes.length === 3);
    c.ws.close(1000, 'closed by the page');
    await waitFor("the page's close at the drone's node", () => closes.length === 3);
    expect(closes.at(-1)).toBe(1000);
  });

  it("holds the drone's node back when the page stops reading, and lets it on when the page reads again", async () => {
    // 24 MB in 16 KB messages, numbered, all given to the socket at once: only TCP paces them.
    const SIZE = 16 * 1024;
    const COUNT = 1536;
    let sender: WebSocket | undefined;
    const hf = await droneNode(cleanup, (ws) => {
      sender = ws;
      for (let i = 0; i < COUNT; i++) ws.send(Buffer.alloc(SIZE, i % 251).fill(0, 0, 4).fill(i >> 8, 2, 3).fill(i & 255, 3, 4), { binary: true });
    });
    const centre = await pageNode(cleanup, hf.url);
    const c = await page(centre.base);
    c.pause();
    await waitFor('the pipe open', () => centre.pipes.length === 1);
    const { page: atCentre, upstream } = centre.pipes[0]!;
    // What the page's node holds for the page, after each message it passes on.
    let most = 0;
    upstream.on('message', () => (most = Math.max(most, atCentre.bufferedAmount)));
    await waitFor("the page's node no longer reading from the drone's node", () => upstream.isPaused, 20_000);
    expect(atCentre.bufferedAmount).toBeGreaterThan(PAUSE_AT);
    expect(sender!.bufferedAmount).toBeGreaterThan(0); // the rest waits at the drone's node, where its relay sees a slow viewer
    c.resume();
    await waitFor('every message at the page', () => c.got.length === COUNT, 20_000);
    expect(upstream.isPaused).toBe(false);
    const numbers = c.got.map((g) => ('bin' in g ? g.bin.readUInt16BE(2) : -1));
    expect(numbers).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    // At most the threshold and what was already read off the socket when it paused.
    expect(most).toBeLessThan(PAUSE_AT + 256 * 1024);
  });
});
