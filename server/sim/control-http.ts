import http from 'node:http';
import { z } from 'zod';
import type { SimDrone } from './drone.ts';
import type { Squadron } from './squadron.ts';

const probability = z.number().min(0).max(1);

export const linkFaultsSchema = z.strictObject({
  loss: probability.optional(),
  duplicate: probability.optional(),
  reorder: probability.optional(),
  corrupt: probability.optional(),
  delayMs: z.number().min(0).max(60_000).optional(),
  jitterMs: z.number().min(0).max(60_000).optional(),
  direction: z.enum(['both', 'down', 'up']).optional(),
});

const seq = z.number().int().min(0).max(65535);
const result = z.number().int().min(1).max(255).optional();

export const missionFaultSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('upload-no-request') }),
  z.strictObject({ kind: z.literal('upload-skip-request'), seq }),
  z.strictObject({ kind: z.literal('upload-repeat-request'), seq }),
  z.strictObject({ kind: z.literal('upload-out-of-range-request'), seq }),
  z.strictObject({ kind: z.literal('upload-error-ack'), seq, result }),
  z.strictObject({ kind: z.literal('upload-no-final-ack') }),
  z.strictObject({ kind: z.literal('upload-early-ack'), seq }),
  z.strictObject({ kind: z.literal('download-no-count') }),
  z.strictObject({ kind: z.literal('download-no-item'), seq }),
  z.strictObject({ kind: z.literal('download-wrong-seq'), seq }),
  z.strictObject({ kind: z.literal('download-error-ack'), seq, result }),
]);

const missionFaultRequest = z.strictObject({
  fault: missionFaultSchema,
  times: z.number().int().min(1).optional(),
  missionType: z.number().int().min(0).max(2).optional(),
});

/** What each POST /drones/SYSID/ACTION does with its JSON body. */
const ACTIONS: Record<string, (d: SimDrone, body: unknown) => void> = {
  'link-faults': (d, b) => d.setLinkFaults(linkFaultsSchema.parse(b)),
  'link-drop': (d) => d.dropLink(),
  'link-restore': (d) => d.restoreLink(),
  'gps-loss': (d) => d.loseGps(),
  'gps-restore': (d) => d.restoreGps(),
  'low-battery': (d, b) => d.lowBatteryNow(z.strictObject({ remaining: probability.optional() }).parse(b ?? {}).remaining),
  'refuse-arm': (d, b) => d.refuseArm(z.strictObject({ reason: z.string().min(1).max(44).optional() }).parse(b ?? {}).reason),
  'allow-arm': (d) => d.allowArm(),
  'mission-fault': (d, b) => {
    const r = missionFaultRequest.parse(b);
    d.addMissionFault(r.fault, { times: r.times, missionType: r.missionType });
  },
  'clear-faults': (d) => d.clearFaults(),
};

const MAX_BODY = 16_384;

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_BODY) throw new Error(`body longer than ${MAX_BODY} bytes`);
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('body is not valid JSON');
  }
}

function describe(err: unknown): string {
  if (err instanceof z.ZodError) return err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  return (err as Error).message;
}

/**
 * Why a request is refused before it is read, or null. Loopback is not enough: any web page open on
 * this machine can send to 127.0.0.1 (a form or a no-cors fetch needs no permission) and, through
 * DNS rebinding, even read the answers. So: no request a browser page made (it carries Origin), no
 * Host but loopback, and a JSON content type, which no page can send cross-origin without a CORS
 * preflight that this endpoint never answers.
 */
function whyRefused(req: http.IncomingMessage): { status: number; error: string } | null {
  if (req.headers.origin !== undefined) {
    return { status: 403, error: `a browser page (Origin: ${req.headers.origin.slice(0, 100)}) may not use the control endpoint: it is for scripts and tests` };
  }
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
    return { status: 403, error: `Host "${(req.headers.host ?? '').slice(0, 100)}" is not this machine's loopback: ask 127.0.0.1` };
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (req.method === 'POST' && type !== 'application/json') {
    return { status: 415, error: `Content-Type must be application/json (got ${type ? `"${type.slice(0, 100)}"` : 'none'}), a body or not` };
  }
  return null;
}

/**
 * A tiny control endpoint for a simulator running as its own process, on loopback only, for
 * scripts (browser pages and non-JSON posts are refused: whyRefused):
 *   GET  /drones                      every drone's status
 *   POST /drones/SYSID/ACTION  {json} ACTION one of: link-faults {loss,duplicate,reorder,corrupt,delayMs,jitterMs,direction},
 *        link-drop, link-restore, gps-loss, gps-restore, low-battery {remaining}, refuse-arm {reason}, allow-arm,
 *        mission-fault {fault:{kind,seq?,result?},times?,missionType?}, clear-faults
 */
export function startControlServer(squadron: Squadron, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    void handle(squadron, req, res).catch((err) => reply(res, 400, { error: describe(err) }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`control endpoint: cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}`)));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function handle(squadron: Squadron, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const refused = whyRefused(req);
  if (refused) return reply(res, refused.status, { error: refused.error });
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'GET' && url.pathname === '/drones') return reply(res, 200, squadron.drones.map((d) => d.status()));
  const m = /^\/drones\/(\d+)\/([a-z-]+)$/.exec(url.pathname);
  if (req.method !== 'POST' || !m) return reply(res, 404, { error: `no such endpoint: ${req.method} ${url.pathname} (try GET /drones)` });
  const drone = squadron.drones.find((d) => d.sysid === Number(m[1]));
  if (!drone) return reply(res, 404, { error: `no drone with sysid ${m[1]} (have ${squadron.drones.map((d) => d.sysid).join(', ')})` });
  const action = ACTIONS[m[2]!];
  if (!action) return reply(res, 404, { error: `unknown action "${m[2]}"; actions: ${Object.keys(ACTIONS).join(', ')}` });
  action(drone, await readJson(req));
  reply(res, 200, drone.status());
}
