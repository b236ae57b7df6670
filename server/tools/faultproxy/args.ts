import { parseArgs } from 'node:util';
import { LinkUriError, parseLinkUri } from '../../links/uri.ts';

/** What the proxy does to every MAVLink packet, the same in both directions. */
export interface Faults {
  /** probability a packet is dropped */
  loss: number;
  /** probability a packet is sent twice */
  dup: number;
  /** probability a packet is held back and sent after the one behind it */
  reorder: number;
  /** probability one random bit after the header is flipped */
  corrupt: number;
  /** every packet waits delayMs ± jitterMs (uniform) */
  delayMs: number;
  jitterMs: number;
}

export interface ProxyConfig {
  listen: string;
  to: string;
  faults: Faults;
  seed: number;
}

export class FaultArgsError extends Error {}

export const NO_FAULTS: Faults = { loss: 0, dup: 0, reorder: 0, corrupt: 0, delayMs: 0, jitterMs: 0 };

export const USAGE = `Usage: npm run faultproxy -- --listen URI --to URI [faults]

Relays MAVLink between a vehicle and SkyBeat, both ways, and spoils it on purpose.
  --listen URI        where the vehicle (or SkyBeat) connects, e.g. udpin://127.0.0.1:14551
  --to URI            where to forward, e.g. udpout://127.0.0.1:14550 (SkyBeat's udpin)
                      any link URI: udpin, udpout, tcpin, tcpout, serial, tlog
  --loss P            drop a packet with probability P (0-1)
  --dup P             send a packet twice with probability P
  --reorder P         hold a packet back behind the next one with probability P
  --corrupt P         flip one random bit after the header with probability P (the CRC then fails)
  --delay MS[:JITTER] delay every packet MS ± JITTER ms (uniform; jitter can reorder packets)
  --seed N            seed of the random choices (default: random, printed), to replay a run
Faults apply per MAVLink packet, in each direction; bytes that are not a valid packet of a
known message are not relayed (they are counted).
`;

function probability(flag: string, text: string | undefined): number {
  if (text === undefined) return 0;
  const p = Number(text);
  if (text.trim() === '' || !Number.isFinite(p) || p < 0 || p > 1) {
    throw new FaultArgsError(`--${flag} ${text}: expected a probability from 0 to 1 (e.g. 0.05)`);
  }
  return p;
}

function delay(text: string | undefined): { delayMs: number; jitterMs: number } {
  if (text === undefined) return { delayMs: 0, jitterMs: 0 };
  const m = /^(\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!m) throw new FaultArgsError(`--delay ${text}: expected MS or MS:JITTER in milliseconds (e.g. 50:30)`);
  const delayMs = Number(m[1]);
  const jitterMs = Number(m[2] ?? 0);
  if (jitterMs > delayMs)
    throw new FaultArgsError(`--delay ${text}: jitter ${jitterMs} ms exceeds the delay ${delayMs} ms (a packet cannot arrive before it was sent)`);
  return { delayMs, jitterMs };
}

function link(flag: string, uri: string | undefined): string {
  if (uri === undefined)
    throw new FaultArgsError(`--${flag} is required (e.g. --${flag} ${flag === 'listen' ? 'udpin://127.0.0.1:14551' : 'udpout://127.0.0.1:14550'})`);
  try {
    parseLinkUri(uri);
  } catch (err) {
    if (err instanceof LinkUriError) throw new FaultArgsError(`--${flag} ${err.message}`);
    throw err;
  }
  return uri;
}

/** Read the proxy's flags; throws FaultArgsError naming the flag and value at fault. 'help' for --help. */
export function parseFaultArgs(argv: string[]): ProxyConfig | 'help' {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        listen: { type: 'string' },
        to: { type: 'string' },
        loss: { type: 'string' },
        dup: { type: 'string' },
        reorder: { type: 'string' },
        corrupt: { type: 'string' },
        delay: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new FaultArgsError(`${(err as Error).message}. Run with --help for the options.`);
  }
  if (values.help) return 'help';
  let seed = Math.floor(Math.random() * 2 ** 32);
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!/^\d+$/.test(values.seed) || seed >= 2 ** 32) throw new FaultArgsError(`--seed ${values.seed}: expected a whole number from 0 to 4294967295`);
  }
  return {
    listen: link('listen', values.listen),
    to: link('to', values.to),
    faults: {
      loss: probability('loss', values.loss),
      dup: probability('dup', values.dup),
      reorder: probability('reorder', values.reorder),
      corrupt: probability('corrupt', values.corrupt),
      ...delay(values.delay),
    },
    seed,
  };
}
