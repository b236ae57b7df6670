/**
 * docker-compose.yml as compose itself reads it: `config` prints the file resolved (anchors merged,
 * variables filled in), which the tests read. Either compose works without a Docker engine: the
 * plugin (`docker compose`) or the standalone docker-compose (Debian's 1.29, which .ci/run installs).
 * Their outputs differ in small ways (1.29 lists every service whatever the profiles, and quotes
 * with '…' where the plugin uses "…"), so what is read here reads both.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { it } from 'vitest';
import { REPO } from '../helpers/shared.ts';

/** The compose plugin, else the standalone docker-compose. */
export const compose = [['docker', 'compose'], ['docker-compose']]
  .find(([cmd, ...sub]) => spawnSync(cmd!, [...sub, 'version'], { encoding: 'utf8' }).status === 0);

// A user's machine may have neither; CI installs docker-compose, so there it must run.
export const composeIt = compose || process.env.CI ? it : it.skip;
export const COMPOSE_SKIPPED = compose || process.env.CI ? '' : ' [skipped: neither "docker compose" nor "docker-compose" is installed here]';
export const NO_COMPOSE = 'neither "docker compose" nor "docker-compose" works (.ci/run installs docker-compose)';

/** `env`: the variables the file reads, as a user would set them; none from this shell. */
export const runComposeWith = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(compose![0]!, [...compose!.slice(1), '-f', path.join(REPO, 'docker-compose.yml'), ...args], {
    encoding: 'utf8',
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, // no SKYBEAT_* from this shell
  });
export const runCompose = (...args: string[]) => runComposeWith({}, ...args);

/** `config` output, failing with compose's own message when it does not parse. */
export function composeConfig(env: Record<string, string>, ...args: string[]): string {
  const r = runComposeWith(env, ...args, 'config');
  if (r.status !== 0) throw new Error(`${compose!.join(' ')} ${args.join(' ')} config failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** One service's lines in `config` output (services two spaces in, their settings deeper). */
export const serviceBlock = (config: string, name: string) => new RegExp(`^ {2}${name}:\n((?: {3}.*\n|\n)*)`, 'm').exec(config)?.[1] ?? '';

/** The names of the services in `config` output (not the volumes, also two spaces in). */
export function servicesIn(config: string): string[] {
  const section = /^services:\n((?: .*\n|\n)*)/m.exec(config)?.[1] ?? '';
  return [...section.matchAll(/^ {2}([\w.-]+):$/gm)].map((m) => m[1]!).sort();
}

/**
 * The items of one list setting of a service block ("profiles", "ports", a health check's "test"…),
 * each as its text: a scalar, or a mapping's lines. Items sit at the key's indentation
 * (docker-compose 1.29) or two deeper (the plugin), a mapping's further lines deeper still.
 */
export function itemsIn(block: string, key: string): string[] {
  const m = new RegExp(`^( +)${key}:\n((?:\\1(?: {2})?(?:- | {2}).*\n)+)`, 'm').exec(block);
  if (!m) return [];
  return m[2]!.split(new RegExp(`^${m[1]}(?: {2})?- `, 'm')).slice(1).map((item) => item.trimEnd());
}

/** The items of a list of scalars. */
export const listIn = (block: string, key: string) => itemsIn(block, key).map(unquote);

/** A service's profiles: none means it always starts. */
export const profilesOf = (config: string, name: string) => listIn(serviceBlock(config, name), 'profiles');

/**
 * The services `up` starts with these profiles: those without a profile and those in one of them.
 * Read from the settings, as docker-compose 1.29's `config` keeps every service, enabled or not.
 */
export function enabledServices(config: string, profiles: string[]): string[] {
  return servicesIn(config).filter((s) => {
    const own = profilesOf(config, s);
    return own.length === 0 || own.some((p) => profiles.includes(p));
  });
}

/** A YAML scalar as written by either compose: 'single' ('' inside for '), "double", or plain. */
function unquote(v: string): string {
  if (v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1).replaceAll("''", "'");
  if (v.startsWith('"') && v.endsWith('"')) return JSON.parse(v) as string;
  return v;
}

/** A service's environment, in the mapping form both compose versions print. */
export function environmentOf(config: string, name: string): Record<string, string> {
  const lines = /^ {4}environment:\n((?: {6,}.*\n)+)/m.exec(serviceBlock(config, name))?.[1] ?? '';
  return Object.fromEntries([...lines.matchAll(/^ {6}(\w+): ?(.*)$/gm)].map((m) => [m[1]!, unquote(m[2]!)]));
}

/** A service's dependencies and the condition each waits for (both compose versions print the long form). */
export function dependsOn(block: string): Record<string, string> {
  const entries = /^ {4}depends_on:\n((?: {6,}.*\n)+)/m.exec(block)?.[1] ?? '';
  return Object.fromEntries([...entries.matchAll(/^ {6}([\w.-]+):\n((?: {8,}.*\n)*)/gm)].map((m) => [m[1]!, /condition: (\w+)/.exec(m[2]!)?.[1] ?? '']));
}
