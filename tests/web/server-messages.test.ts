/**
 * The service's messages (server/wire/messages.ts) are said in both languages: every code has its
 * Chinese with the same placeholders and no English left in it, the page's English is the
 * service's own, and someone else's words (the autopilot's) come through as they are, marked.
 */

import { afterEach, expect, it } from 'vitest';
import { english, MESSAGES_EN, moment, said, term, verbatim } from '../../server/wire/messages.ts';
import { setLocale } from '../../web/src/i18n.ts';
import { sayServer } from '../../web/src/said.tsx';
import { SERVER_MESSAGES_ZH } from '../../web/src/strings/server-messages-zh-CN.ts';

afterEach(() => setLocale('en'));

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

it('has every message in Chinese, with the same placeholders and no English words of its own', () => {
  expect(Object.keys(SERVER_MESSAGES_ZH).sort()).toEqual(Object.keys(MESSAGES_EN).sort());
  for (const [code, en] of Object.entries(MESSAGES_EN)) {
    const zh = SERVER_MESSAGES_ZH[code as keyof typeof MESSAGES_EN];
    expect(placeholders(zh), code).toEqual(placeholders(en));
    // Only the placeholders, identifiers marked as such (`DO_JUMP`), and names pilots read in Latin letters (protocols too: UDP, RTP).
    const words = zh.replace(/\{\w+\}/g, '').replace(/`[^`]*`/g, '').match(/[A-Za-z]{2,}/g) ?? [];
    expect(
      words.filter((w) => !['GPS', 'HDOP', 'ArduPilot', 'MAVLink', 'QGroundControl', 'JSON', 'XML', 'KML', 'GeoJSON', 'MB', 'UDP', 'RTP'].includes(w)),
      code,
    ).toEqual(
      [],
    );
  }
});

it("says a message in the page's language: terms from the string table, lists, moments, nested messages", () => {
  const gps = said('alert_gps_lost', { fix: term('gpsFix1', 'NO_FIX') });
  expect(english(gps)).toBe('GPS lost: NO_FIX');
  setLocale('zh-CN');
  expect(sayServer(gps)).toBe('GPS 失锁：未定位');
  const failsafe = said('alert_failsafe', { status: term('state_CRITICAL', 'CRITICAL'), mode: term('flightMode_return', 'RTL') });
  expect(english(failsafe)).toBe('failsafe: autopilot reports CRITICAL in RTL');
  expect(sayServer(failsafe)).toBe('失效保护：飞控报告状态“严重”，模式：返航');
  const uploaded = said('run_uploaded', { route: 'west', vehicle: 'sim-1', parts: [term('part_mission', 'mission'), term('part_fence', 'fence')] });
  expect(english(uploaded)).toBe('west → sim-1: mission, fence uploaded and read back identical');
  expect(sayServer(uploaded)).toBe('west → sim-1：航点、电子围栏已上传，回读一致');
  const failed = said('run_failed', { reason: said('run_failed_restart') });
  expect(english(failed)).toBe('failed: the service restarted during the launch');
  expect(sayServer(failed)).toBe('失败：起飞过程中服务重启');
  const at = Date.UTC(2026, 11, 3, 1, 2, 3);
  expect(english(said('alert_link_lost', { time: moment(at) }))).toBe('link lost: last heartbeat at 01:02:03 UTC');
  const local = new Date(at);
  const hhmmss = [local.getHours(), local.getMinutes(), local.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  expect(sayServer(said('alert_link_lost', { time: moment(at) }))).toBe(`链路中断：最后心跳 ${hhmmss}`);
});

it("says the English as the service does, and passes the autopilot's words through untouched", () => {
  const autopilot = said('alert_autopilot', { text: verbatim('PreArm: Need Position Estimate') });
  expect(english(autopilot)).toBe('autopilot: PreArm: Need Position Estimate');
  expect(sayServer(autopilot, 'en')).toBe(english(autopilot));
  expect(sayServer(autopilot, 'zh-CN')).toBe('飞控消息：PreArm: Need Position Estimate');
  // A term the page's table lacks: its English in English, the service's terms table in Chinese.
  const refused = said('run_failed_upload', { reason: term('uploadFailure_no_space', 'the vehicle refused MISSION_COUNT: NO_SPACE') });
  expect(sayServer(refused, 'en')).toBe('the upload failed: the vehicle refused MISSION_COUNT: NO_SPACE');
  expect(sayServer(refused, 'zh-CN')).toBe('航线上传失败：航点过多，飞控存不下');
  // Identifiers: a parameter, or marked in the Chinese template; written as they are.
  expect(sayServer(said('route_jump_itself'), 'zh-CN')).toBe('DO_JUMP 跳转到自身');
  expect(sayServer(said('route_open_end', { name: { id: 'NAV_WAYPOINT' } }), 'zh-CN')).toBe('航线以 NAV_WAYPOINT 结束，而不是返航或降落：无人机将停在那里等待');
});
