import { spawn, type ChildProcess } from 'node:child_process';
import { REPO } from './shared.ts';

/** Run the real service as its own process (as `npm start` does, minus the web build). */
export function spawnService(args: string[], env: Record<string, string> = {}) {
  return spawnNode(REPO, ['--import', 'tsx', 'server/main.ts', ...args], env);
}

/** Node with argv in dir (the service in any layout: sources, a build, the Docker image's), its output kept. */
export function spawnNode(dir: string, argv: string[], env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(process.execPath, argv, {
    cwd: dir,
    // No simulated cameras unless a test asks: three encoders per service would load the shared
    // machine, and parallel services would contend for the same UDP ports (5600 + i).
    env: { ...process.env, SKYBEAT_SIM_CAMERA: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    /** resolves with the HTTP port once the service says it listens */
    port: () =>
      new Promise<number>((resolve, reject) => {
        const check = () => {
          const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
          if (m) return resolve(Number(m[1]));
          if (child.exitCode !== null) return reject(new Error(`service exited ${child.exitCode}:\n${out}`));
          setTimeout(check, 50);
        };
        check();
      }),
  };
}
