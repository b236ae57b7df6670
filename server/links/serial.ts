import { SerialPort } from 'serialport';
import { Link } from './link.ts';

const RETRY_MS = 1000;

/**
 * serial://DEVICE:BAUD — a telemetry radio or a USB autopilot. When the device is missing or
 * unplugged we keep trying to open it once a second: radios come back, and a pilot should
 * not have to restart the service after re-plugging a cable.
 */
export class SerialLink extends Link {
  private port: SerialPort | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(uri: string, private readonly path: string, private readonly baud: number) {
    super(uri);
  }

  get peerCount(): number {
    return this.state === 'up' ? 1 : 0;
  }

  async open(): Promise<void> {
    this.closed = false;
    this.tryOpen();
  }

  private tryOpen(): void {
    if (this.closed) return;
    const port = new SerialPort({ path: this.path, baudRate: this.baud, autoOpen: false });
    port.open((err) => {
      if (err) {
        this.setState('down', `${this.path}: ${err.message}; retrying every ${RETRY_MS / 1000} s`);
        this.timer = setTimeout(() => this.tryOpen(), RETRY_MS);
        return;
      }
      this.port = port;
      this.setState('up');
      port.on('data', (chunk: Buffer) => this.emit('data', chunk, this.path));
      port.on('error', (e) => {
        this.detail = e.message;
      });
      port.on('close', () => {
        this.port = null;
        this.emit('peerGone', this.path);
        if (this.closed) return;
        this.setState('down', `${this.path} closed (${this.detail ?? 'device gone'}); retrying`);
        this.timer = setTimeout(() => this.tryOpen(), RETRY_MS);
      });
    });
  }

  send(data: Buffer): void {
    if (this.port?.isOpen) this.port.write(data);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const p = this.port;
    this.port = null;
    this.setState('down', 'closed');
    if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
  }
}
