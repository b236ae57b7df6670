/**
 * A city node's settings: --redis needs the city's PostgreSQL, the shared secret and named links;
 * nothing secret is ever shown; a node alone is configured exactly as before.
 */
import { describe, expect, it } from 'vitest';
import { configError as fails, configFile as file, loadConfigOf as load } from '../helpers/config.ts';
import { serviceOptions } from '../../server/config.ts';

const PG = 'postgres://skybeat:pw@db:5432/skybeat';
const SECRET = 'a-city-secret-of-some-length';

describe("a city node's configuration", () => {
  it('alone, without --redis: no city, links named by their place as before', () => {
    const c = load(['--link', 'udpin://0.0.0.0:14550']);
    expect(c.city).toBeNull();
    expect(serviceOptions(c).links).toEqual(['udpin://0.0.0.0:14550']);
  });

  it('with --redis, --node, the secret and named links (flag ID=URI, file { id, uri, key })', () => {
    const f = file({ database: PG, links: [{ id: 'hf1', uri: 'udpin://0.0.0.0:14550', key: 'radio passphrase' }, 'hf2=tcpout://10.0.0.9:5760'] });
    const c = load(['--config', f, '--redis', 'redis://:redispw@redis:6379', '--node', 'hf'], { SKYBEAT_CLUSTER_SECRET: SECRET });
    expect(c.city).toEqual({ redis: 'redis://:redispw@redis:6379', node: 'hf', secret: SECRET });
    expect(c.links).toEqual(['hf1=udpin://0.0.0.0:14550?key=radio%20passphrase', 'hf2=tcpout://10.0.0.9:5760']);
    // the same from the environment
    const e = load(['--config', f], { SKYBEAT_REDIS_URL: 'redis://redis:6379', SKYBEAT_NODE: 'wl', SKYBEAT_CLUSTER_SECRET: SECRET });
    expect(e.city).toMatchObject({ node: 'wl', redis: 'redis://redis:6379' });
  });

  it.each([
    [['--redis', 'redis://r:6379', '--node', 'hf'], { SKYBEAT_CLUSTER_SECRET: SECRET }, /a city's nodes share one PostgreSQL; give --database postgres:/],
    [
      ['--redis', 'redis://r:6379', '--node', 'hf', '--database', PG],
      {},
      /^SKYBEAT_CLUSTER_SECRET: not set; a city needs a shared secret of at least 16 characters/,
    ],
    [['--redis', 'redis://r:6379', '--node', 'hf', '--database', PG], { SKYBEAT_CLUSTER_SECRET: 'short' }, /^SKYBEAT_CLUSTER_SECRET: 5 characters;/],
    [
      ['--redis', 'redis://r:6379', '--node', 'hf', '--database', PG, '--link', 'udpin://0.0.0.0:14550'],
      { SKYBEAT_CLUSTER_SECRET: SECRET },
      /links\.0: in a city each link needs an id, written ID=URI/,
    ],
    [['--redis', 'http://r:6379', '--database', PG], { SKYBEAT_CLUSTER_SECRET: SECRET }, /^--redis "http:\/\/r:6379": redis: a Redis URL, redis:\/\/HOST:6379/],
    [['--node', 'HF!'], {}, /^--node "HF!": node: a lower-case letter/],
    [['--link', 'Bad=udpin://0.0.0.0:1'], {}, /link id "Bad": a lower-case letter/],
    [['--link', 'sim=udpin://0.0.0.0:1'], {}, /not "sim"/],
    [['--link', 'a=udpin://0.0.0.0:1', '--link', 'a=udpin://0.0.0.0:2'], {}, /link id "a" is given twice/],
  ])('refuses %j, saying why', (argv, env, message) => {
    expect(fails(argv, env)).toMatch(message);
  });

  it('names its station (station.id, default "main"); "city" is no station', () => {
    expect(load([]).station.id).toBe('main');
    expect(serviceOptions(load(['--config', file({ station: { id: 'hf' } })])).station).toMatchObject({ id: 'hf' });
    expect(fails(['--config', file({ station: { id: 'city' } })])).toMatch(/station\.id: "city" is the scope of the whole city, not a station/);
    expect(fails(['--config', file({ station: { id: 'HF 1' } })])).toMatch(/station\.id: a lower-case letter/);
  });

  it('says where the other nodes reach it (cluster.url, SKYBEAT_NODE_URL over the file); none: the service works it out', () => {
    const city = ['--redis', 'redis://r:6379', '--node', 'hf', '--database', PG];
    const env = { SKYBEAT_CLUSTER_SECRET: SECRET };
    expect(serviceOptions(load(city, env)).city).toEqual({ redis: 'redis://r:6379', node: 'hf', secret: SECRET, url: null });
    const f = file({ cluster: { url: 'http://hf.station.lan:8080/' } });
    expect(serviceOptions(load(['--config', f, ...city], env)).city?.url).toBe('http://hf.station.lan:8080');
    expect(serviceOptions(load(['--config', f, ...city], { ...env, SKYBEAT_NODE_URL: 'https://10.0.0.7:8443' })).city?.url).toBe('https://10.0.0.7:8443');
    expect(load(['--config', f]).city).toBeNull(); // alone, it is reached by nobody
    expect(fails(city, { ...env, SKYBEAT_NODE_URL: 'hf:8080' })).toMatch(
      /^SKYBEAT_NODE_URL "hf:8080": url: this node's base URL as the other nodes reach it, http:\/\/HOST:PORT/,
    );
    expect(fails(['--config', file({ cluster: { url: 'http://hf:8080/api' } })])).toMatch(/cluster\.url: this node's base URL .*\(no path\)/);
  });

  it('shows the Redis password nowhere in an error', () => {
    expect(fails(['--redis', 'ftp://:topsecret@r:6379', '--database', PG], { SKYBEAT_CLUSTER_SECRET: SECRET })).not.toContain('topsecret');
  });

  it('believes X-Forwarded-For only from what trustProxy (SKYBEAT_TRUST_PROXY) names', () => {
    expect(serviceOptions(load([])).trustProxy).toBe(false);
    expect(serviceOptions(load([], { SKYBEAT_TRUST_PROXY: 'uniquelocal' })).trustProxy).toEqual(['uniquelocal']);
    expect(serviceOptions(load([], { SKYBEAT_TRUST_PROXY: '10.0.0.2, loopback' })).trustProxy).toEqual(['10.0.0.2', 'loopback']);
    expect(serviceOptions(load([], { SKYBEAT_TRUST_PROXY: '1' })).trustProxy).toBe(1);
  });
});
