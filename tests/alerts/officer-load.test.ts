/**
 * What one officer's phone may cost the service (issue 13, item 8): a location update redraws
 * the job that officer holds and nothing else, a phone's catch-up reads only its own jobs, and
 * nobody can raise alerts faster than the configured rate. Counted, never timed: the
 * skybeat_ground_alert_views_built_total counter of /metrics, and the messages each real socket gets.
 */
import { describe, expect, it } from 'vitest';
import type { GroundAlertView, OfficerView } from '../../server/wire/types.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { at, officerPhone, SCENE, type LiveSocket } from '../helpers/officers.ts';
import { testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();
type T = Awaited<ReturnType<typeof testService>>;

async function start(dispatch: Record<string, number> = {}): Promise<T> {
  const t = await testService({ dispatch: { waveSize: 1, ...dispatch }, station: { ...SCENE, radiusKm: 30 } });
  cleanup.push(() => t.close());
  return t;
}

async function viewsBuilt(t: T): Promise<number> {
  const text = (await t.api('GET', '/metrics')).body as string;
  const m = /^skybeat_ground_alert_views_built_total (\d+)/m.exec(text);
  if (!m) throw new Error('/metrics has no skybeat_ground_alert_views_built_total');
  return Number(m[1]);
}

/** The command room's live socket: every alerts:ground message, and the officers as last seen. */
function commandRoom(t: T, token: string) {
  const socket: LiveSocket = t.socket(token);
  const messages: GroundAlertView[][] = [];
  const officers = new Map<string, OfficerView>();
  socket.on('alerts:ground', (list) => messages.push(list));
  socket.on('officers', (list) => {
    for (const o of list) officers.set(o.name, o);
  });
  const latest = (id: number) => messages.flat().filter((a) => a.id === id).at(-1);
  return { socket, messages, officers, latest };
}

describe('one officer cannot stall the service', () => {
  it('a location update rebuilds no alert and is sent only for the job that officer holds, to the command room and that officer', async () => {
    const t = await start({ createPerMinute: 100 });
    const chen = await officerPhone(t, 'chen', 300);
    const wang = await officerPhone(t, 'wang', 3000);
    const command = await t.user('room', ['command']);
    const room = commandRoom(t, command);
    await new Promise<void>((r) => room.socket.on('connect', () => r()));

    const held = (await t.api('POST', '/api/alerts', command, { category: 'fight', ...SCENE })).body.id as number;
    await waitFor('offer to chen', () => chen.offers.some((a) => a.id === held));
    expect((await t.api('POST', `/api/alerts/${held}/answer`, chen.token, { answer: 'accept' })).status).toBe(200);
    // Twenty more open alerts: chen is busy, so each goes to wang, who does not answer.
    const others: number[] = [];
    for (let i = 1; i <= 20; i++) others.push((await t.api('POST', '/api/alerts', command, { category: 'theft', ...at(i * 20) })).body.id);
    await waitFor('twenty offers to wang', () => wang.offers.length === 20);
    await waitFor('the command room has seen all of it', () => room.latest(held)?.assignee?.officer === 'chen' && others.every((id) => room.latest(id)));

    const builtBefore = await viewsBuilt(t);
    const [roomBefore, chenBefore, wangBefore] = [room.messages.length, chen.messages.length, wang.messages.length];
    for (const metres of [250, 200, 150, 100, 50]) await chen.moveTo(metres);
    // wang moves too: he holds no job, so nothing of the alerts changes.
    await wang.moveTo(2900);
    // The command room gets wang's new position after anything the moves before it sent.
    await waitFor('the command room sees wang move', () => Math.abs((room.officers.get('wang')?.lat ?? 0) - at(2900).lat) < 1e-9);
    await chen.synced();
    await wang.synced();

    const roomGot = room.messages.slice(roomBefore);
    expect(roomGot.map((list) => list.map((a) => [a.id, a.assignee?.distanceM]))).toEqual([[[held, 250]], [[held, 200]], [[held, 150]], [[held, 100]], [[
      held,
      50,
    ]]]);
    expect(chen.messages.slice(chenBefore).map((list) => list.map((a) => a.id))).toEqual([[held], [held], [held], [held], [held]]);
    expect(wang.messages.slice(wangBefore)).toEqual([]);
    // Redrawn from the views already built: no alert was read from the database.
    expect(await viewsBuilt(t) - builtBefore).toBe(0);

    // A second phone of wang's: its catch-up is his twenty jobs, sent as last built: none is read again.
    const builtBeforeCatchUp = await viewsBuilt(t);
    const second: LiveSocket = t.socket(wang.token);
    const catchUp = await new Promise<GroundAlertView[]>((r) => second.once('alerts:ground', r));
    expect(catchUp.map((a) => a.id)).toEqual(others);
    expect(await viewsBuilt(t) - builtBeforeCatchUp).toBe(0);
  });

  it('refuses a user more than createPerMinute alerts a minute with 429, audited; other users and bad requests are not counted against them', async () => {
    const t = await start({ createPerMinute: 3 });
    const room = await t.user('room', ['command']);
    const pilot = await t.user('pilot', ['pilot']);
    const admin = await t.login('admin', 'admin-test-password');
    expect((await t.api('POST', '/api/alerts', room, { category: 'jaywalking', ...SCENE })).status).toBe(400);
    for (let i = 0; i < 3; i++) expect((await t.api('POST', '/api/alerts', room, { category: 'theft', ...SCENE })).status).toBe(201);

    const fourth = await t.api('POST', '/api/alerts', room, { category: 'theft', ...SCENE, note: 'one too many' });
    expect(fourth).toMatchObject({ status: 429, body: { error: 'too many ground alerts from room: at most 3 a minute; wait a minute' } });
    expect((await t.api('POST', '/api/alerts', pilot, { category: 'fire', ...SCENE })).status).toBe(201);

    const stored = (await t.api('GET', '/api/alerts?from=0', room)).body as GroundAlertView[];
    expect(stored.map((a) => a.createdBy).sort()).toEqual(['pilot', 'room', 'room', 'room']);
    const audit = (await t.api('GET', '/api/audit?action=alert.create', admin)).body as { user: string; result: string; detail: { reason?: string } }[];
    expect(audit.filter((e) => e.result === 'refused' && e.user === 'room').map((e) => e.detail.reason))
      .toContain('too many ground alerts from room: at most 3 a minute; wait a minute');
  });
});
