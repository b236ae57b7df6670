/**
 * The simulator's control endpoint (control-http.ts) listens on loopback, which any web page open
 * on this machine can reach: a form post or a no-cors fetch needs no permission, and DNS rebinding
 * lets a page read the answers too. Real squadron, real HTTP over loopback, raw requests shaped the
 * way a browser would send them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { startControlServer } from '../../server/sim/control-http.ts';
import { startSquadron } from '../../server/sim/squadron.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const cleanup = cleanupAfterEach();

/** One request with exactly these headers (fetch would set Host and Origin its own way). */
function request(port: number, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; error?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: body === undefined && !headers['content-type'] ? 'GET' : 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, error: (JSON.parse(text) as { error?: string }).error }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function simWithControl() {
  const squadron = await startSquadron({ count: 1, link: 'udpout://127.0.0.1:9', seed: 1, bootDelayS: 0 });
  cleanup.push(() => squadron.close());
  const server = await startControlServer(squadron, 0);
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { squadron, port: (server.address() as AddressInfo).port };
}

it('a web page’s posts are refused before they touch a drone: any Origin, a foreign Host (DNS rebinding), a body that is not declared JSON', async () => {
  const { squadron, port } = await simWithControl();
  const host = `127.0.0.1:${port}`;
  const faults = JSON.stringify({ loss: 1 });
  const drone = squadron.drone(1)!;
  const before = JSON.stringify(drone.status().linkFaults);

  // a page on http://evil.example posting JSON (it would need a preflight; a form needs none)
  expect(await request(port, '/drones/1/link-faults', { host, origin: 'http://evil.example', 'content-type': 'application/json' }, faults)).toEqual({
    status: 403,
    error: 'a browser page (Origin: http://evil.example) may not use the control endpoint: it is for scripts and tests',
  });
  // what a form or no-cors fetch sends with no Origin check to pass: text/plain
  expect(await request(port, '/drones/1/link-faults', { host, 'content-type': 'text/plain' }, faults)).toEqual({
    status: 415,
    error: 'Content-Type must be application/json (got "text/plain"), a body or not',
  });
  expect(await request(port, '/drones/1/link-drop', { host })).toMatchObject({ status: 404 }); // a GET: nothing done
  expect((await request(port, '/drones/1/link-drop', { host, 'content-length': '0' }, '')).status).toBe(415);
  // a page served from a name that now resolves to 127.0.0.1
  expect(await request(port, '/drones', { host: `evil.example:${port}` })).toEqual({
    status: 403,
    error: `Host "evil.example:${port}" is not this machine's loopback: ask 127.0.0.1`,
  });
  expect(drone.status()).toMatchObject({ linkSilent: false });
  expect(JSON.stringify(drone.status().linkFaults)).toBe(before);

  // a script, as tests and the command line send it
  expect((await request(port, '/drones/1/link-faults', { host, 'content-type': 'application/json; charset=utf-8' }, faults)).status).toBe(200);
  expect(drone.status().linkFaults).toMatchObject({ down: { loss: 1 }, up: { loss: 1 } });
  expect((await request(port, '/drones', { host: `localhost:${port}` })).status).toBe(200);
});
