import { ConfigError, help, loadConfig, serviceOptions, shownVideoSources } from './config.ts';
import { redactLinkUri } from './links/uri.ts';
import { createLogger } from './log.ts';
import { redact as redactStoreUrl } from './store/connection.ts';
import { startService } from './service.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`skybeat: ${err.message}`);
    process.exit(2);
  }
  if (config === 'help') {
    process.stdout.write(help());
    return;
  }
  if (config.printOnly) {
    process.stdout.write(
      `${
        JSON.stringify(
          {
            ...config,
            links: config.links.map(redactLinkUri),
            video: { ...config.video, sources: shownVideoSources(config) },
            adminPassword: config.adminPassword ? '(set)' : undefined,
            database: config.database && redactStoreUrl(config.database),
            cluster: { ...config.cluster, redis: config.cluster.redis && redactStoreUrl(config.cluster.redis) },
            city: config.city && { ...config.city, redis: redactStoreUrl(config.city.redis), secret: '(set)' },
          },
          null,
          2,
        )
      }\n`,
    );
    return;
  }
  const log = createLogger(config.logLevel);
  let service;
  try {
    service = await startService({ ...serviceOptions(config), logger: log });
  } catch (err) {
    log.fatal(`skybeat: ${(err as Error).message}`);
    // The message must reach the terminal before we go, whatever the log transport does.
    console.error(`skybeat: ${(err as Error).message}`);
    process.exit(1);
  }
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  log.info(`SkyBeat listening on ${config.tls ? 'https' : 'http'}://${host}:${service.port}`);
  log.info(
    `config ${config.configFile ?? '(none, defaults)'}; store ${service.storeWhere}; links: ${
      config.links.length ? config.links.map(redactLinkUri).join(', ') : 'none'
    }${config.sim ? `; ${config.sim} simulated drones` : ''}${
      config.city ? `; node ${config.city.node} of the city on ${redactStoreUrl(config.city.redis)}` : ''
    }`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.warn(`${signal}: stopping; drones in flight continue under their own failsafe settings`);
    await service.close(signal);
    log.info('stopped');
    log.flush();
    setTimeout(() => process.exit(0), 50);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

void main();
