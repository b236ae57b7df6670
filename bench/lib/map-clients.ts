import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io as connect, type Socket } from 'socket.io-client';
import type { VehicleView } from '../../server/wire/types.ts';
import { ageMs } from './drone-swarm.ts';

/**
 * Command-room map clients over real websockets: each counts the update batches it gets and
 * how old each vehicle's position is when it arrives (the sender wrote its clock in the altitude).
 */
export async function mapClients(base: string, auths: Record<string, string>[]) {
  let recording = false;
  const ages: number[] = [];
  const seen = new Set<string>();
  let batches = 0;
  // The clients' own event-loop delay bounds how much of a measured age is the measurer's.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  let cpu0 = process.cpuUsage();
  const sockets: Socket[] = await Promise.all(auths.map((auth) =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect(base, { auth, transports: ['websocket'], reconnection: false });
      s.on('vehicles:update', (views: Pick<VehicleView, 'id' | 'position'>[]) => {
        const now = Date.now();
        for (const v of views) {
          seen.add(v.id);
          if (recording && v.position) ages.push(ageMs(v.position.altMsl, now));
        }
        if (recording) batches++;
      });
      s.once('connect', () => resolve(s));
      s.once('connect_error', (e) => reject(new Error(`map client: ${e.message}`)));
    })
  ));
  return {
    /** distinct vehicles any client has been sent so far */
    seen: () => seen.size,
    /** start a measuring window: forget what came before */
    record() {
      ages.length = 0;
      batches = 0;
      recording = true;
      loopDelay.reset();
      loopDelay.enable();
      cpu0 = process.cpuUsage();
    },
    results() {
      recording = false;
      loopDelay.disable();
      const c = process.cpuUsage(cpu0);
      return { ages: [...ages], batches, clientCpuMs: (c.user + c.system) / 1000, clientLoopDelayP99Ms: loopDelay.percentile(99) / 1e6 };
    },
    close() {
      for (const s of sockets) s.close();
    },
  };
}
