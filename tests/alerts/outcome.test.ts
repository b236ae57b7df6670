/**
 * How an incident ended (issue 14, item 3) and the incident log (item 5), over real HTTP on a real
 * SQLite file: an outcome is required to close, the officer's resolve carries one (a phone page from
 * before outcomes is still heard, and the incident waits on the desk for one), an unknown outcome is
 * refused naming it, everything is audited; the log filters and times each step; the CSV opens in
 * Excel (BOM, Chinese) and runs no formula.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/store/db.ts';
import type { IncidentLogEntry } from '../../server/wire/types.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { officerPhone, SCENE } from '../helpers/officers.ts';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';
import { waitFor } from '../helpers/wait.ts';

const cleanup = cleanupAfterEach();

async function start() {
  const t = await testService({ dispatch: { waveSize: 1 }, station: { ...SCENE, radiusKm: 30 } });
  cleanup.push(() => t.close());
  return t;
}
type T = Awaited<ReturnType<typeof start>>;
type AuditEntry = { user: string; action: string; target: string; result: string; detail: Record<string, unknown> };

/** An incident offered to `phone` and taken by it, on scene. */
async function onScene(t: T, room: string, phone: Awaited<ReturnType<typeof officerPhone>>, body: Record<string, unknown> = {}) {
  const id = (await t.api('POST', '/api/alerts', room, { category: 'fight', ...SCENE, ...body })).body.id as number;
  await waitFor(`offer of ${id} to ${phone.name}`, () => phone.offers.some((a) => a.id === id));
  for (const answer of ['accept', 'en_route', 'on_scene']) expect((await t.api('POST', `/api/alerts/${id}/answer`, phone.token, { answer })).status).toBe(200);
  return id;
}

describe('incident outcome (处置结果)', () => {
  it('closing needs an outcome: none or an unknown one is refused naming it, nothing changes, the refusal is audited', async () => {
    const t = await start();
    const room = await t.user('room', ['command']);
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const id = (await t.api('POST', '/api/alerts', room, { category: 'theft', ...SCENE })).body.id as number;

    const none = await t.api('POST', `/api/alerts/${id}/close`, room, {});
    expect(none).toMatchObject({
      status: 400,
      body: {
        error: `outcome: required to close ground alert ${id} (one of handled, warned, handed_over, unfounded, other)`,
        code: 'outcome_required',
        params: { id },
      },
    });
    const unknown = await t.api('POST', `/api/alerts/${id}/close`, room, { outcome: 'arrested', note: 'x' });
    expect(unknown).toMatchObject({
      status: 400,
      body: {
        error: 'outcome: unknown outcome "arrested" (one of handled, warned, handed_over, unfounded, other)',
        code: 'outcome_unknown',
        params: { outcome: 'arrested' },
      },
    });
    expect((await t.api('GET', `/api/alerts/${id}`, room)).body).toMatchObject({ state: 'open', outcome: null, closedAt: null });

    const closed = await t.api('POST', `/api/alerts/${id}/close`, room, { outcome: 'unfounded', note: '  现场无人，系误报  ' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ state: 'closed', outcome: { code: 'unfounded', note: '现场无人，系误报', by: 'room' } });
    expect(closed.body.outcome.at).toBe(closed.body.closedAt);
    // Stored: read straight from the database file.
    const db = new Database(path.join(t.dataDir, 'skybeat.db'), { readonly: true });
    expect(db.prepare('SELECT outcome, outcome_note, outcome_by FROM alerts WHERE id = ?').get(id)).toEqual({
      outcome: 'unfounded',
      outcome_note: '现场无人，系误报',
      outcome_by: 'room',
    });
    db.close();

    const audit = (await t.api('GET', '/api/audit?action=alert.close', admin)).body as AuditEntry[];
    expect(audit.map((e) => [e.result, e.target, e.detail.reason ?? e.detail.outcome])).toEqual([
      ['ok', String(id), 'unfounded'],
      ['refused', String(id), 'outcome: unknown outcome "arrested" (one of handled, warned, handed_over, unfounded, other)'],
      ['refused', String(id), `outcome: required to close ground alert ${id} (one of handled, warned, handed_over, unfounded, other)`],
    ]);
  });

  it("the officer resolves with an outcome and a note; the dispatcher may close without one (the officer's stays) or give the last word (both kept in the events)", async () => {
    const t = await start();
    const room = await t.user('room', ['command']);
    const chen = await officerPhone(t, 'chen', 200);
    const a = await onScene(t, room, chen);
    const bad = await t.api('POST', `/api/alerts/${a}/answer`, chen.token, { answer: 'resolved', outcome: 'done' });
    expect(bad).toMatchObject({ status: 400, body: { error: 'outcome: unknown outcome "done" (one of handled, warned, handed_over, unfounded, other)' } });
    expect((await t.api('POST', `/api/alerts/${a}/answer`, chen.token, { answer: 'on_scene', outcome: 'handled' })).body.error)
      .toBe('outcome and note go with the answer "resolved", not "on_scene"');
    const resolved = await t.api('POST', `/api/alerts/${a}/answer`, chen.token, { answer: 'resolved', outcome: 'warned', note: '双方已调解' });
    expect(resolved.body).toMatchObject({ state: 'resolved', outcome: { code: 'warned', note: '双方已调解', by: 'chen' } });
    // Resolved with an outcome: off the desk's list of open incidents.
    expect((await t.api('GET', '/api/alerts/open', room)).body.ground.map((g: { id: number }) => g.id)).not.toContain(a);
    const closed = await t.api('POST', `/api/alerts/${a}/close`, room, {});
    expect(closed.body).toMatchObject({ state: 'closed', outcome: { code: 'warned', by: 'chen' } });

    const b = await onScene(t, room, chen);
    await t.api('POST', `/api/alerts/${b}/answer`, chen.token, { answer: 'resolved', outcome: 'handled' });
    const overruled = await t.api('POST', `/api/alerts/${b}/close`, room, { outcome: 'handed_over', note: '移交派出所' });
    expect(overruled.body.outcome).toMatchObject({ code: 'handed_over', note: '移交派出所', by: 'room' });
    const events = (await t.svc.store.groundAlerts.events(b)).filter((e) => e.kind === 'resolved' || e.kind === 'closed');
    expect(events.map((e) => [e.kind, e.user, e.detail])).toEqual([['resolved', 'chen', { outcome: 'handled', note: '' }], ['closed', 'room', {
      outcome: 'handed_over',
      note: '移交派出所',
    }]]);
  });

  it('a phone page from before outcomes resolves without one: taken, but the incident stays on the desk (also after a restart) until closed with an outcome', async () => {
    const t = await start();
    const room = await t.user('room', ['command']);
    const chen = await officerPhone(t, 'chen', 200);
    const id = await onScene(t, room, chen);
    const old = await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'resolved' });
    expect(old).toMatchObject({ status: 200, body: { state: 'resolved', outcome: null } });
    expect((await t.api('GET', '/api/alerts/open', room)).body.ground.map((g: { id: number }) => g.id)).toContain(id);
    // The officer is free for the next job all the same.
    expect((await t.api('GET', '/api/officers', room)).body.find((o: { name: string }) => o.name === 'chen').busyWith).toBeNull();

    await t.svc.close();
    const again = await testService({ dataDir: t.dataDir, dispatch: { waveSize: 1 }, station: { ...SCENE, radiusKm: 30 } });
    cleanup.push(() => again.close());
    const room2 = await again.login('room', 'room-password');
    expect((await again.api('GET', '/api/alerts/open', room2)).body.ground.map((g: { id: number }) => g.id)).toEqual([id]);
    expect((await again.api('POST', `/api/alerts/${id}/close`, room2, {})).status).toBe(400);
    expect((await again.api('POST', `/api/alerts/${id}/close`, room2, { outcome: 'handled' })).body).toMatchObject({
      state: 'closed',
      outcome: { code: 'handled', by: 'room' },
    });
    expect((await again.api('GET', '/api/alerts/open', room2)).body.ground).toEqual([]);
  });

  it('a database from before outcomes is brought up to date: its incidents are kept, with no outcome', () => {
    const file = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'skybeat-outcome-')), 'skybeat.db');
    const v3 = new Database(file);
    for (const f of ['001-initial.sql', '002-drone-control.sql', '003-run-outcome.sql']) v3.exec(fs.readFileSync(`server/store/migrations/${f}`, 'utf8'));
    v3.pragma('user_version = 3');
    v3.prepare(
      "INSERT INTO alerts (kind, category, severity, lat, lon, state, created_at, updated_at, closed_at) VALUES ('ground', 'theft', 'info', 28.37, 121.38, 'closed', 1, 2, 2)",
    ).run();
    v3.close();
    const db = openDatabase(file);
    expect(db.prepare('SELECT category, state, outcome, outcome_note, outcome_by, outcome_at FROM alerts').all())
      .toEqual([{ category: 'theft', state: 'closed', outcome: null, outcome_note: null, outcome_by: null, outcome_at: null }]);
    db.close();
  });
});

describe('incident log and CSV export', () => {
  it('lists incidents with the time of each step, filtered by time, category, outcome and officer; the heat map the same incidents as positions', async () => {
    const t = await start();
    const room = await t.user('room', ['command']);
    const chen = await officerPhone(t, 'chen', 200);
    const fight = await onScene(t, room, chen, { note: 'two men' });
    await t.api('POST', `/api/alerts/${fight}/answer`, chen.token, { answer: 'resolved', outcome: 'warned' });
    await t.api('POST', `/api/alerts/${fight}/close`, room, {});
    const wang = await officerPhone(t, 'wang', 100); // nearer: the next incident is his
    const theft = await onScene(t, room, wang, { category: 'theft' });
    await t.api('POST', `/api/alerts/${theft}/answer`, wang.token, { answer: 'resolved', outcome: 'handed_over' });
    const open = (await t.api('POST', '/api/alerts', room, { category: 'fire', ...SCENE, priority: 1 })).body.id as number;

    const all = (await t.api('GET', '/api/alerts/log', room)).body as IncidentLogEntry[];
    expect(all.map((e) => e.id)).toEqual([open, theft, fight]);
    const f = all.find((e) => e.id === fight)!;
    expect(f).toMatchObject({ category: 'fight', officer: 'chen', state: 'closed', outcome: { code: 'warned', by: 'chen' }, note: 'two men' });
    const steps = ['raised', 'offered', 'delivered', 'accepted', 'en_route', 'on_scene', 'resolved', 'closed'] as const;
    const times = steps.map((s) => f.timeline[s]);
    expect(times.every((x) => typeof x === 'number')).toBe(true);
    expect([...times].sort((x, y) => x! - y!)).toEqual(times);
    const events = await t.svc.store.groundAlerts.events(fight);
    expect(f.timeline.on_scene).toBe(events.find((e) => e.kind === 'on_scene')!.time);
    expect(f.timeline.resolved).toBe(events.find((e) => e.kind === 'resolved')!.time);
    expect(all.find((e) => e.id === theft)!.timeline.closed).toBeNull();

    /** The log's incidents for a query; the heat map's answer to the same query: their positions, and no more. */
    const ids = async (query: string) => {
      const log = (await t.api('GET', `/api/alerts/log?${query}`, room)).body as IncidentLogEntry[];
      expect((await t.api('GET', `/api/alerts/heat?${query}`, room)).body).toEqual(log.map((e) => ({ lat: e.lat, lon: e.lon })));
      return log.map((e) => e.id);
    };
    expect(await ids('category=theft')).toEqual([theft]);
    expect(await ids('outcome=warned')).toEqual([fight]);
    expect(await ids('outcome=none')).toEqual([open]);
    expect(await ids('officer=wang')).toEqual([theft]);
    expect(await ids('officer=chen&category=theft')).toEqual([]);
    const createdFight = all.find((e) => e.id === fight)!.timeline.raised!;
    expect(await ids(`from=${createdFight + 1}`)).toEqual((await ids('')).filter((id) => id !== fight));
    expect(await ids(`to=${createdFight}`)).toEqual([fight]);
    for (const endpoint of ['log', 'heat']) {
      const refused = await t.api('GET', `/api/alerts/${endpoint}?outcome=arrested&category=riot`, room);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatch(/^invalid query: category: .*; outcome: /);
      // Officers see no records of the station.
      expect((await t.api('GET', `/api/alerts/${endpoint}`, chen.token)).status).toBe(403);
    }
  });

  it('exports CSV that Excel opens in Chinese (BOM, CRLF), filtered as asked, with no cell run as a formula; the export is audited', async () => {
    const t = await start();
    const room = await t.user('room', ['command']);
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const chen = await officerPhone(t, 'chen', 200);
    const id = await onScene(t, room, chen, { note: '=HYPERLINK("http://evil.example","点我")' });
    await t.api('POST', `/api/alerts/${id}/answer`, chen.token, { answer: 'resolved', outcome: 'other', note: '+86 138, "已登记"' });
    await t.api('POST', `/api/alerts/${id}/close`, room, {});
    const other = (await t.api('POST', '/api/alerts', room, { category: 'theft', ...SCENE, note: '@SUM(1)' })).body.id as number;

    const res = await fetch(`${t.base}/api/alerts/ground.csv?lang=zh-CN&tz=Asia/Shanghai&category=fight`, { headers: { authorization: `Bearer ${room}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="incidents-\d{4}-\d\d-\d\d\.csv"$/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    const lines = text.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(
      '警情编号,记录号,报警时间,警情类别,优先级,纬度,经度,警情描述,登记人,无人机,状态,处警民警,派警时间,送达时间,签收时间,出发时间,到场时间,处置完毕时间,结案时间,处置结果,处置说明,处置结果填写人',
    );
    expect(lines).toHaveLength(3); // the header, one incident (the theft is filtered out), the last line end
    const entry = ((await t.api('GET', `/api/alerts/log?category=fight`, room)).body as IncidentLogEntry[])[0]!;
    const shanghai = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    expect(lines[1]).toBe([
      entry.number,
      String(id),
      shanghai(entry.timeline.raised!),
      '打架斗殴',
      '2',
      String(SCENE.lat),
      String(SCENE.lon),
      `"'=HYPERLINK(""http://evil.example"",""点我"")"`,
      'room',
      '',
      '已结案',
      'chen',
      ...(['offered', 'delivered', 'accepted', 'en_route', 'on_scene', 'resolved', 'closed'] as const).map((s) => shanghai(entry.timeline[s]!)),
      '其他',
      `"'+86 138, ""已登记"""`,
      'chen',
    ].join(','));

    const english = await (await fetch(`${t.base}/api/alerts/ground.csv?outcome=none`, { headers: { authorization: `Bearer ${room}` } })).text();
    const englishLines = english.split('\r\n'); // fetch's text() takes the BOM off
    expect(englishLines[0]!.startsWith('Incident,Record,Raised,Category,Priority,')).toBe(true);
    expect(englishLines[1]).toMatch(new RegExp(`^[A-Z]+-\\d{8}-\\d{3},${other},[\\d-]+ [\\d:]+,Theft,2,.*,"'@SUM\\(1\\)",room,,officers alerted,`));

    const badZone = await t.api('GET', '/api/alerts/ground.csv?tz=Mars/Olympus', room);
    expect(badZone).toMatchObject({ status: 400, body: { error: 'invalid query: tz: unknown time zone "Mars/Olympus"' } });
    const audit = (await t.api('GET', '/api/audit?action=alert.export', admin)).body as AuditEntry[];
    expect(audit.map((e) => [e.user, e.result, e.detail.rows ?? e.detail.reason])).toEqual([
      ['room', 'refused', 'tz: unknown time zone "Mars/Olympus"'],
      ['room', 'ok', 1],
      ['room', 'ok', 1],
    ]);
    expect(audit[2]!.detail).toMatchObject({ category: 'fight', lang: 'zh-CN', tz: 'Asia/Shanghai' });
  });
});
