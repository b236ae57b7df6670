import { ConfigError, HELP, loadConfig } from './config.ts';
import { startService } from './service.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`skybeat: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  if (config === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  let service;
  try {
    service = await startService({ ...config, log });
  } catch (err) {
    console.error(`skybeat: ${(err as Error).message}`);
    process.exit(1);
  }
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  log(`SkyBeat listening on http://${host}:${service.port}`);
  log(`links: ${config.links.length ? config.links.join(', ') : 'none'}${config.sim ? `; ${config.sim} simulated drones` : ''}`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: closing links and HTTP`);
    await service.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

void main();
