import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { officerPhone as phone, SCENE } from '../helpers/officers.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();

/**
 * An officer whose account ends — disabled, removed, demoted — loses the phone's socket at once,
 * but a dropped phone is still dispatched within phoneOfflineGraceS. The account must end that too.
 */
describe('dispatch follows the officer account', () => {
  async function start() {
    const t = await testService({ dispatch: { waveSize: 1, escalateAfterMs: 60_000 }, station: { ...SCENE, radiusKm: 30 } });
    cleanup.push(() => t.close());
    const room = await t.user('room1', ['command']);
    const admin = await t.login('admin', 'admin-test-password');
    const raise = async () => (await t.api('POST', '/api/alerts', room, { category: 'fight', ...SCENE })).body.id as number;
    return { t, room, admin, raise };
  }

  it('a disabled officer on duty is skipped; the next officer gets the alert', async () => {
    const { t, admin, raise } = await start();
    const near = await phone(t, 'chen', 100);
    const far = await phone(t, 'wang', 800);
    expect((await t.api('PATCH', '/api/users/chen', admin, { disabled: true })).status).toBe(200);
    await waitFor('phone cut off', () => !near.socket.connected);
    const id = await raise();
    await waitFor('the next officer is offered it', () => far.offers.some((a) => a.id === id));
    const view = (await t.api('GET', `/api/alerts/${id}`, admin)).body;
    expect(view.dispatch.map((d: { officer: string }) => d.officer)).toEqual(['wang']);
  });

  it('an officer demoted by another process (the users tool) is skipped too', async () => {
    const { t, admin, raise } = await start();
    const near = await phone(t, 'chen', 100);
    const far = await phone(t, 'wang', 800);
    // Another writer, as `npm run users -- roles chen --role pilot` is: only the database changes.
    const other = new Database(path.join(t.dataDir, 'skybeat.db'));
    const chen = other.prepare('SELECT id FROM users WHERE name = ?').get('chen') as { id: number };
    other.prepare("UPDATE user_roles SET role = 'pilot' WHERE user_id = ?").run(chen.id);
    other.close();
    const id = await raise();
    await waitFor('the next officer is offered it', () => far.offers.some((a) => a.id === id));
    expect(near.offers.some((a) => a.id === id)).toBe(false);
    const view = (await t.api('GET', `/api/alerts/${id}`, admin)).body;
    expect(view.dispatch.map((d: { officer: string }) => d.officer)).toEqual(['wang']);
  });
});
