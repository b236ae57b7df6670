import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { Link } from './link.ts';

/** What both UDP links share: one socket, closed the same way. */
abstract class UdpLink extends Link {
  protected socket: dgram.Socket | null = null;

  close(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    this.setState('down', 'closed');
    return new Promise((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }
}

const peerKey = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/**
 * udpin://HOST:PORT — listen, the usual ground-station mode: many drones send to one port,
 * each from its own address, and we answer each at the address it was heard from.
 */
export class UdpInLink extends UdpLink {
  private readonly peers = new Map<string, { address: string; port: number }>();

  constructor(uri: string, private readonly host: string, private readonly port: number) {
    super(uri);
  }

  get peerCount(): number {
    return this.peers.size;
  }

  /** The bound port (useful with port 0). */
  get boundPort(): number {
    return this.socket?.address().port ?? this.port;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: isIPv6(this.host) ? 'udp6' : 'udp4', reuseAddr: false });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        reject(new Error(`${this.uri}: cannot listen on ${this.host}:${this.port}: ${err.code === 'EADDRINUSE' ? 'port already in use' : err.message}`));
      });
      socket.bind(this.port, this.host, () => {
        socket.removeAllListeners('error');
        socket.on('error', (err) => this.setState('up', `socket error: ${err.message}`));
        socket.on('message', (msg, rinfo) => {
          const key = peerKey(rinfo.address, rinfo.port);
          if (!this.peers.has(key)) this.peers.set(key, { address: rinfo.address, port: rinfo.port });
          this.emit('data', msg, key);
        });
        this.socket = socket;
        if (this.port === 0) this.uri = this.withBoundPort(socket.address().port);
        this.setState('up');
        resolve();
      });
    });
  }

  send(data: Buffer, peer?: string): void {
    const socket = this.socket;
    if (!socket) return;
    const targets = peer ? [this.peers.get(peer)] : [...this.peers.values()];
    for (const t of targets) if (t) socket.send(data, t.port, t.address);
  }
}

/** udpout://HOST:PORT — send to one known address (a drone or a companion computer) and hear its replies. */
export class UdpOutLink extends UdpLink {
  constructor(uri: string, private readonly host: string, private readonly port: number) {
    super(uri);
  }

  get peerCount(): number {
    return this.socket ? 1 : 0;
  }

  get peer(): string {
    return peerKey(this.host, this.port);
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket(isIPv6(this.host) ? 'udp6' : 'udp4');
      socket.once('error', (err) => reject(new Error(`${this.uri}: ${err.message}`)));
      socket.bind(0, () => {
        socket.removeAllListeners('error');
        // ICMP port-unreachable shows up as ECONNREFUSED on some systems: the peer is not there yet.
        socket.on('error', (err) => this.setState('up', `socket error: ${err.message}`));
        socket.on('message', (msg) => this.emit('data', msg, this.peer));
        this.socket = socket;
        this.setState('up');
        resolve();
      });
    });
  }

  send(data: Buffer): void {
    this.socket?.send(data, this.port, this.host);
  }
}
