import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../server/config.ts';
import { createLink } from '../../server/links/create.ts';
import { Connection } from '../../server/links/connection.ts';
import type { UdpInLink } from '../../server/links/udp.ts';
import { parseLinkUri, redactLinkUri } from '../../server/links/uri.ts';
import { SigningKey } from '../../server/mavlink/signing.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { spawnNode, spawnService } from '../helpers/process.ts';
import { REPO } from '../helpers/shared.ts';
import { configError, configFile } from '../helpers/config.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();
const SECRET = 'station-secret-9931';
const HEX = 'ab'.repeat(32);

describe('the ?key= option on a link URI', () => {
  it('gives a passphrase key or a hex key, and a URI that shows *** in its place', () => {
    const a = parseLinkUri(`udpin://0.0.0.0:14550?key=${SECRET}`);
    expect(a).toMatchObject({ kind: 'udpin', host: '0.0.0.0', port: 14550, uri: 'udpin://0.0.0.0:14550?key=***' });
    expect(a.kind !== 'tlog' && a.key?.equals(SigningKey.fromText(SECRET))).toBe(true);
    const b = parseLinkUri(`serial:///dev/ttyUSB0:57600?key=hex:${HEX}`);
    expect(b).toMatchObject({ kind: 'serial', path: '/dev/ttyUSB0', baud: 57600, uri: 'serial:///dev/ttyUSB0:57600?key=***' });
    expect(b.kind !== 'tlog' && b.key?.equals(SigningKey.fromText(`hex:${HEX}`))).toBe(true);
    // percent-encoding for & # % ?, and a "+" is a plus, not a space
    const c = parseLinkUri('tcpout://127.0.0.1:5760?key=a+b%26c%25d-long');
    expect(c.kind !== 'tlog' && c.key?.equals(SigningKey.fromText('a+b&c%d-long'))).toBe(true);
    expect(parseLinkUri('udpin://0.0.0.0:14550')).not.toHaveProperty('key');
  });

  it.each([
    [`udpin://0.0.0.0:99999?key=${SECRET}`, /port 99999 is not a valid port/],
    ['udpin://0.0.0.0:14550?key=qqq7', /key: the signing passphrase must be at least 8 characters/],
    ['udpin://0.0.0.0:14550?key=hex:abc', /key: a hex: key must be 64 hex digits/],
    [`udpin://0.0.0.0:14550?key=${SECRET}&${SECRET}-tail`, /takes only the \?key= option \(write an "&" in a passphrase as %26\)/],
    [`udpin://0.0.0.0:14550?key=${SECRET}%zz`, /option key is not valid percent-encoding/],
    [`udpin://0.0.0.0:14550?key=${SECRET}&key=${SECRET}`, /is given twice/],
    ['udpin://0.0.0.0:14550?speed=2', /unknown option "speed"; this link takes only \?key=/],
    [`tlog://flight.tlog?key=${SECRET}`, /a recording is replayed as recorded; \?key= applies to drone links only/],
  ])('%s is refused with a clear message that never holds the key', (uri, message) => {
    let text = '';
    try {
      parseLinkUri(uri);
    } catch (err) {
      text = (err as Error).message;
    }
    expect(text).toMatch(message);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('qqq7');
  });

  it('the link carries the key to its connection; a listening link on port 0 shows its port and *** ', async () => {
    const link = createLink(`udpin://127.0.0.1:0?key=${SECRET}`);
    const conn = new Connection('l1', link, { sysid: 255, compid: 190 });
    await link.open();
    cleanup.push(() => conn.close());
    expect(link.uri).toBe(`udpin://127.0.0.1:${(link as UdpInLink).boundPort}?key=***`);
    expect(conn.signing?.key.equals(SigningKey.fromText(SECRET))).toBe(true);
    expect(inspect(link)).not.toContain(SECRET);
    expect(new Connection('l2', createLink('udpout://127.0.0.1:14550'), { sysid: 255, compid: 190 }).signatureCounters()).toBeNull();
  });

  it('redaction hides everything after key=, also a passphrase written with an unencoded "&"', () => {
    expect(redactLinkUri(`udpout://10.0.0.5:14550?key=${SECRET}&more`)).toBe('udpout://10.0.0.5:14550?key=***');
    expect(redactLinkUri('tlog://a.tlog?speed=2')).toBe('tlog://a.tlog?speed=2');
  });
});

describe('signing keys in the configuration', () => {
  it('a file link may give its key apart from the URI, as { uri, key }', () => {
    const f = configFile({
      links: [{ uri: 'udpin://0.0.0.0:14550', key: 'a+b&c%d #1' }, { uri: 'serial:///dev/ttyUSB0:57600', key: `hex:${HEX}` }, 'udpin://0.0.0.0:14560'],
    });
    const c = loadConfig(['--config', f], {}) as Config;
    const [a, b, plain] = c.links.map(parseLinkUri);
    expect(a!.uri).toBe('udpin://0.0.0.0:14550?key=***');
    expect(a!.kind !== 'tlog' && a!.key?.equals(SigningKey.fromText('a+b&c%d #1'))).toBe(true);
    expect(b!.kind !== 'tlog' && b!.key?.equals(SigningKey.fromText(`hex:${HEX}`))).toBe(true);
    expect(plain).not.toHaveProperty('key');
  });

  it('errors name the link without its key', () => {
    expect(configError(['--config', configFile({ links: [{ uri: `udpin://0.0.0.0:14550?key=${SECRET}`, key: SECRET }] })]))
      .toMatch(/give the signing key once: in "key" or as \?key= in "uri", not both/);
    for (
      const message of [
        configError(['--link', `udpin://0.0.0.0:70000?key=${SECRET}`]),
        configError([], { SKYBEAT_LINKS: `udpin://0.0.0.0:14550?key=${SECRET}&x` }),
        configError(['--config', configFile({ links: [{ uri: 'udpin://0.0.0.0:70000', key: SECRET }] })]),
      ]
    ) {
      expect(message).toContain('key=***');
      expect(message).not.toContain(SECRET);
    }
  });

  it('--print-config and the service log show the links with *** for the key', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-sign-'));
    const printed = spawnService(['--print-config', '--config', configFile({ links: [{ uri: 'udpin://127.0.0.1:0', key: SECRET }] })]);
    expect(await printed.exited).toBe(0);
    expect(JSON.parse(printed.output()).links).toEqual(['udpin://127.0.0.1:0?key=***']);
    expect(printed.output()).not.toContain(SECRET);

    const svc = spawnService(['--port', '0', '--host', '127.0.0.1', '--data', data, '--no-tlog', '--sim', '0'], {
      SKYBEAT_LINKS: `udpin://127.0.0.1:0?key=${SECRET}`,
      SKYBEAT_ADMIN_PASSWORD: 'admin-password-for-test',
      LOG_LEVEL: 'info',
    });
    cleanup.push(async () => {
      svc.child.kill('SIGTERM');
      await svc.exited;
    });
    await svc.port();
    await waitFor('the link reported up', () => /link l1 up/.test(svc.output()));
    expect(svc.output()).toContain('udpin://127.0.0.1:0?key=***');
    expect(svc.output()).not.toContain(SECRET);
  });
});

describe('npm run sim --key', () => {
  it('signs what the simulator sends and prints the link with *** for the key', async () => {
    const station = createLink(`udpin://127.0.0.1:0?key=${SECRET}`);
    const conn = new Connection('gs', station, { sysid: 255, compid: 190 });
    const signedHeartbeats: number[] = [];
    conn.on('message', ({ frame }) => {
      if (frame.msgid === 0 && frame.signed) signedHeartbeats.push(frame.sysid);
    });
    await station.open();
    cleanup.push(() => conn.close());
    const at = `udpout://127.0.0.1:${(station as UdpInLink).boundPort}`;

    const sim = spawnNode(REPO, ['--import', 'tsx', 'server/sim/main.ts', '--count', '1', '--link', at, '--key', SECRET]);
    cleanup.push(async () => {
      if (sim.child.exitCode === null) {
        sim.child.kill('SIGTERM');
        await sim.exited;
      }
    });
    await waitFor('a signed heartbeat from the simulator', () => signedHeartbeats.length > 0, 20_000);
    expect(conn.signatureCounters()).toEqual({ unsigned: 0, badSignature: 0, replayed: 0 });
    await waitFor('its banner', () => sim.output().includes('sim: 1 drone(s) on'));
    expect(sim.output()).toContain(`${at}?key=*** (signed)`);
    expect(sim.output()).not.toContain(SECRET);

    const twice = spawnNode(REPO, ['--import', 'tsx', 'server/sim/main.ts', '--link', `${at}?key=${SECRET}`, '--key', SECRET]);
    expect(await twice.exited).toBe(2);
    expect(twice.output()).toMatch(/give the signing key once: --key \(or SIM_SIGNING_KEY\) or \?key= on --link, not both/);
    expect(twice.output()).not.toContain(SECRET);
  });
});
