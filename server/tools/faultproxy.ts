/**
 * npm run faultproxy -- --listen udpin://127.0.0.1:14551 --to udpout://127.0.0.1:14550 \
 *   --loss 0.3 --dup 0.05 --reorder 0.05 --corrupt 0.01 --delay 50:30 [--seed N]
 * Sits between SkyBeat and a vehicle (the simulator or a real autopilot) and spoils the
 * MAVLink traffic both ways; prints what it did every 5 s and when stopped.
 */
import { FaultArgsError, parseFaultArgs, USAGE } from './faultproxy/args.ts';
import { FaultProxy, type ProxyCounters } from './faultproxy/proxy.ts';

function summary(c: ProxyCounters): string {
  const junk = (side: 'listen' | 'to') => `${c.junk[side].droppedBytes} bytes, ${c.junk[side].crcErrors} CRC errors, ${c.junk[side].unknown} unknown`;
  return `packets listen→to ${c.up}, to→listen ${c.down}; not relayed from listen: ${junk('listen')}; from to: ${junk('to')}`;
}

async function main(): Promise<void> {
  let config;
  try {
    config = parseFaultArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof FaultArgsError)) throw err;
    console.error(`faultproxy: ${err.message}`);
    process.exit(2);
  }
  if (config === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const proxy = new FaultProxy(config);
  for (const link of [proxy.listen.inner, proxy.to.inner]) {
    link.on('state', (state, detail) => console.log(`faultproxy: ${link.uri}: ${state}${detail ? ` (${detail})` : ''}`));
  }
  try {
    await proxy.open();
  } catch (err) {
    console.error(`faultproxy: ${(err as Error).message}`);
    process.exit(1);
  }
  const f = config.faults;
  console.log(
    `faultproxy: ${proxy.listen.inner.uri} ⇄ ${proxy.to.inner.uri}: loss ${f.loss}, dup ${f.dup}, reorder ${f.reorder}, corrupt ${f.corrupt}, delay ${f.delayMs}±${f.jitterMs} ms, seed ${config.seed}`,
  );
  let last = '';
  const timer = setInterval(() => {
    const s = summary(proxy.counters());
    if (s !== last) console.log(`faultproxy: ${s}`);
    last = s;
  }, 5000);
  const stop = async () => {
    clearInterval(timer);
    console.log(`faultproxy: stopped; ${summary(proxy.counters())}`);
    await proxy.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

void main();
