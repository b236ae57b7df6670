/**
 * The service for the video bench, as a process of its own (its CPU and memory are its own) and
 * serving the web app from the bench's own build: test runs in the same tree rebuild web/dist
 * (emptying it first) at any moment, which would pull the page from under the bench.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startService, type ServiceOptions } from '../../server/service.ts';

export async function startVideoService(o: ServiceOptions): Promise<{ pid: number; base: string; stop(): Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(m as number));
    child.once('exit', (code) => reject(new Error(`the service exited ${code}`)));
    child.send(o);
  });
  return {
    pid: child.pid!,
    base: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.on('disconnect', () => process.exit(0));
  process.once('message', (o) => {
    void startService(o as ServiceOptions).then((svc) => {
      process.send!(svc.port);
      process.on('message', (m) => {
        if (m === 'stop') void svc.close().then(() => process.exit(0));
      });
    });
  });
}
