/**
 * The video bench's "plain relay" baseline, in a process of its own: each camera's RTP datagrams
 * forwarded as they are, over a WebSocket, to whoever connects to /d/<n> — no depacketizing, no
 * muxing, no checks. What a relay costs at the least, to set SkyBeat's figures beside.
 */
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';

export async function startPlainRelay(udpPorts: number[]): Promise<{ pid: number; port: number; stop(): Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(m as number));
    child.once('exit', (code) => reject(new Error(`plain relay exited ${code}`)));
    child.send({ udpPorts });
  });
  return {
    pid: child.pid!,
    port,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function runChild(udpPorts: number[]): Promise<void> {
  const clients = udpPorts.map(() => new Set<WebSocket>());
  for (const [i, p] of udpPorts.entries()) {
    const s = dgram.createSocket('udp4');
    s.on('message', (d) => {
      for (const c of clients[i]!) if (c.bufferedAmount < 1 << 20) c.send(d, { binary: true });
    });
    await new Promise<void>((r) => s.bind(p, '127.0.0.1', () => r()));
  }
  const server = http.createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws, req) => {
    const set = clients[Number(/^\/d\/(\d+)/.exec(req.url ?? '')?.[1] ?? -1)];
    if (!set) return ws.close();
    set.add(ws);
    ws.on('close', () => set.delete(ws));
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // the bench that started this process ended (or failed): so does this one
  process.on('disconnect', () => process.exit(0));
  process.once('message', (m) => void runChild((m as { udpPorts: number[] }).udpPorts));
}
