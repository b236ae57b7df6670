import net from 'node:net';
import { Link, backoff } from './link.ts';

/** tcpout://HOST:PORT — connect to a TCP server (ArduPilot SITL's 5760, a radio bridge); reconnect with backoff. */
export class TcpOutLink extends Link {
  private socket: net.Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private closed = false;

  constructor(uri: string, private readonly host: string, private readonly port: number) {
    super(uri);
  }

  get peerCount(): number {
    return this.state === 'up' ? 1 : 0;
  }

  get peer(): string {
    return `${this.host}:${this.port}`;
  }

  async open(): Promise<void> {
    this.closed = false;
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    const socket = net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on('connect', () => {
      this.attempt = 0;
      socket.setKeepAlive(true, 2000);
      this.setState('up');
    });
    socket.on('data', (chunk) => this.emit('data', chunk, this.peer));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.detail = `${err.code ?? err.message} ${this.peer}`;
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      this.emit('peerGone', this.peer);
      if (this.closed) return;
      this.setState('down', this.detail ?? 'connection closed');
      this.timer = setTimeout(() => this.connect(), backoff(this.attempt++));
    });
  }

  send(data: Buffer): void {
    if (this.socket && this.state === 'up') this.socket.write(data);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.destroy();
    this.socket = null;
    this.setState('down', 'closed');
  }
}

/** tcpin://HOST:PORT — listen for TCP connections; each connection is one peer. */
export class TcpInLink extends Link {
  private server: net.Server | null = null;
  private readonly sockets = new Map<string, net.Socket>();

  constructor(uri: string, private readonly host: string, private readonly port: number) {
    super(uri);
  }

  get peerCount(): number {
    return this.sockets.size;
  }

  get boundPort(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : this.port;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => {
        socket.setNoDelay(true);
        const key = `${socket.remoteAddress}:${socket.remotePort}`;
        this.sockets.set(key, socket);
        socket.on('data', (chunk) => this.emit('data', chunk, key));
        socket.on('error', () => {/* reported by close */});
        socket.on('close', () => {
          this.sockets.delete(key);
          this.emit('peerGone', key);
        });
      });
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(new Error(`${this.uri}: cannot listen on ${this.host}:${this.port}: ${err.code === 'EADDRINUSE' ? 'port already in use' : err.message}`));
      });
      server.listen(this.port, this.host, () => {
        this.server = server;
        if (this.port === 0) this.uri = this.withBoundPort(this.boundPort);
        this.setState('up');
        resolve();
      });
    });
  }

  send(data: Buffer, peer?: string): void {
    if (peer) this.sockets.get(peer)?.write(data);
    else for (const s of this.sockets.values()) s.write(data);
  }

  close(): Promise<void> {
    for (const s of this.sockets.values()) s.destroy();
    this.sockets.clear();
    this.setState('down', 'closed');
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server = null;
    });
  }
}
