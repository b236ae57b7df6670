/**
 * Every string the officer's phone page shows, in English and Simplified Chinese. The language
 * itself is the shared one (../i18n.ts), so the shared login dialog and ages speak the same.
 * No DOM access at module level, so tests can import the tables.
 */

import type { GroundCategory } from '../../../server/wire/types.ts';
import { getLocale, strings as shared, type Locale } from '../i18n.ts';

/** Incident categories in the command room's own words, so both pages name them alike. */
function categories(l: Locale) {
  const t = shared[l];
  return {
    cat_fight: t.cat_fight, cat_gambling: t.cat_gambling, cat_theft: t.cat_theft, cat_traffic: t.cat_traffic,
    cat_missing_person: t.cat_missing_person, cat_fire: t.cat_fire, cat_other: t.cat_other,
  };
}

const en = {
  appTitle: 'SkyBeat Officer',
  language: '中文',
  themeToSun: 'Sunlight',
  themeToNight: 'Night',
  connConnecting: 'Connecting…',
  connConnected: 'Connected',
  connReconnecting: 'No connection — retrying…',
  connRefused: 'Not connected: {detail}',
  dutyOn: 'ON DUTY',
  dutyOff: 'OFF DUTY',
  dutyTapOff: 'Tap to go off duty',
  dutyTapOn: 'Tap to go on duty and share your location',
  dutyFailed: 'Duty change not confirmed: {detail}',
  dutyUnknown: 'Checking duty…',
  serviceStopping: 'SkyBeat is stopping: {reason}. No jobs arrive until it is back; this page reconnects by itself.',
  stopSignal: 'stopped on the server ({signal})',
  locOff: 'Location not shared while off duty',
  locWaiting: 'Finding your location…',
  locShared: 'Location shared · ±{accuracy} m · {age}',
  locDenied: 'Location permission denied. Allow it in the browser settings: without it you get no jobs.',
  locUnavailable: 'Location unavailable ({detail}); still trying.',
  locUnsupported: 'This browser cannot share a location.',
  locRejected: 'Location not accepted: {detail}',
  jobs: 'My jobs',
  noJobs: 'No open jobs.',
  ...categories('en'),
  priority: 'Priority {n}',
  state_open: 'New job — please answer',
  state_dispatched: 'New job — please answer',
  state_accepted: 'Accepted',
  state_en_route: 'On my way',
  state_on_scene: 'On scene',
  answer_accept: 'Accept',
  answer_en_route: 'On my way',
  answer_on_scene: 'On scene',
  answer_resolved: 'Resolved',
  answer_decline: 'Decline',
  answerRefused: 'Not accepted: {detail}',
  raised: 'raised {age} by {who}',
  metres: '{n} m',
  kilometres: '{n} km',
  away: '{distance} {direction}',
  distanceUnknown: 'Distance unknown: no location yet',
  dir_N: 'north',
  dir_NE: 'north-east',
  dir_E: 'east',
  dir_SE: 'south-east',
  dir_S: 'south',
  dir_SW: 'south-west',
  dir_W: 'west',
  dir_NW: 'north-west',
  navGeo: 'Navigate',
  navAmap: 'AMap 高德',
  ringingNow: 'New job — ringing',
  silence: 'Silence',
  soundLocked: 'Tap anywhere once so the alert can ring.',
  takenBy: 'Job {id} was taken by {who}.',
  reassignedTo: 'The command room gave job {id} to {who}.',
  jobClosed: 'Job {id} was closed by the command room.',
  notOfficer: 'This page is for officers. {name} has the role {roles}, so no jobs come here. Use the command-room map, or log in as an officer.',
  toMap: 'Open the command-room map',
  you: 'You',
  incident: 'Incident',
};

export type OfficerKey = keyof typeof en;

const zhCN: Record<OfficerKey, string> = {
  appTitle: 'SkyBeat 警员端',
  language: 'EN',
  themeToSun: '强光',
  themeToNight: '夜间',
  connConnecting: '正在连接…',
  connConnected: '已连接',
  connReconnecting: '连接中断 — 正在重连…',
  connRefused: '未连接：{detail}',
  dutyOn: '在岗',
  dutyOff: '离岗',
  dutyTapOff: '点击下岗',
  dutyTapOn: '点击上岗并共享位置',
  dutyFailed: '上下岗状态未确认：{detail}',
  dutyUnknown: '正在查询在岗状态…',
  serviceStopping: 'SkyBeat 服务即将停止：{reason}。恢复前收不到任务，本页面会自动重新连接。',
  stopSignal: '服务器端已停止服务（{signal}）',
  locOff: '离岗时不共享位置',
  locWaiting: '正在获取位置…',
  locShared: '位置已共享 · ±{accuracy} 米 · {age}',
  locDenied: '定位权限被拒绝。请在浏览器设置中允许定位，否则无法接收任务。',
  locUnavailable: '暂时无法定位（{detail}），正在重试。',
  locUnsupported: '此浏览器无法共享位置。',
  locRejected: '位置未被接受：{detail}',
  jobs: '我的任务',
  noJobs: '暂无任务。',
  ...categories('zh-CN'),
  priority: '优先级 {n}',
  state_open: '新任务 — 请响应',
  state_dispatched: '新任务 — 请响应',
  state_accepted: '已接单',
  state_en_route: '正在前往',
  state_on_scene: '已到场',
  answer_accept: '接单',
  answer_en_route: '出发前往',
  answer_on_scene: '已到场',
  answer_resolved: '已处置',
  answer_decline: '拒绝',
  answerRefused: '未被接受：{detail}',
  raised: '{age}由 {who} 发起',
  metres: '{n} 米',
  kilometres: '{n} 公里',
  away: '{direction} {distance}',
  distanceUnknown: '距离未知：尚无定位',
  dir_N: '北',
  dir_NE: '东北',
  dir_E: '东',
  dir_SE: '东南',
  dir_S: '南',
  dir_SW: '西南',
  dir_W: '西',
  dir_NW: '西北',
  navGeo: '导航',
  navAmap: '高德地图',
  ringingNow: '新任务 — 正在响铃',
  silence: '静音',
  soundLocked: '请先点击屏幕任意处，以便响铃提醒。',
  takenBy: '任务 {id} 已由 {who} 接单。',
  reassignedTo: '指挥室已将任务 {id} 改派给 {who}。',
  jobClosed: '任务 {id} 已被指挥室关闭。',
  notOfficer: '此页面仅供警员使用。{name} 的角色是 {roles}，不会收到任务。请使用指挥室地图，或以警员身份登录。',
  toMap: '打开指挥室地图',
  you: '我',
  incident: '事发地点',
};

export const officerStrings: Record<Locale, Record<OfficerKey, string>> = { en, 'zh-CN': zhCN };

/** The string for key in the current (shared) locale, with {name} placeholders filled from params. */
export function ot(key: OfficerKey, params?: Record<string, string | number>, locale: Locale = getLocale()): string {
  const template = officerStrings[locale][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export const categoryKey = (category: GroundCategory) => `cat_${category}` as OfficerKey;

/** Fills every element under root carrying data-ot (text) with its officer string. */
export function translateOfficer(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-ot]')) el.textContent = ot(el.dataset.ot as OfficerKey);
}
