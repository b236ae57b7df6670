/**
 * Every string the map shows, in English and Simplified Chinese. Autopilot-given names (flight
 * modes, vehicle types, STATUSTEXT) are shown as the autopilot sends them: operators know them so.
 * No DOM access at module level, so tests can import the tables.
 */

export type Locale = 'en' | 'zh-CN';

const en = {
  appTitle: 'SkyBeat live map',
  language: '中文',
  languageHint: 'Switch language',
  connConnecting: 'Connecting…',
  connConnected: 'Live',
  connReconnecting: 'Connection lost — reconnecting…',
  connRefused: 'Not connected: {detail}',
  fleetSummary: '{total} drones · {warning} warning · {lost} link lost',
  drones: 'Drones',
  noDrones: 'No drones heard yet',
  noPosition: 'no position',
  healthOk: 'OK',
  healthWarning: 'Warning',
  healthLost: 'Link lost',
  close: 'Close',
  sectionFlight: 'Flight',
  sectionBattery: 'Battery',
  sectionGps: 'GPS',
  sectionLink: 'Link',
  sectionWarnings: 'Warnings',
  warnBattery: 'Battery {value}%',
  warnGps: 'GPS: {value}',
  warnStatus: 'Autopilot state {value}',
  warnNoPosition: 'No position',
  sectionMessages: 'Messages',
  mode: 'Mode',
  armed: 'Armed',
  armedYes: 'ARMED',
  armedNo: 'disarmed',
  systemStatus: 'State',
  vehicleType: 'Type',
  altRel: 'Altitude (rel.)',
  altMsl: 'Altitude (AMSL)',
  position: 'Position',
  groundSpeed: 'Ground speed',
  climbRate: 'Climb rate',
  heading: 'Heading',
  batteryPercent: 'Charge',
  batteryVoltage: 'Voltage',
  batteryCurrent: 'Current',
  gpsFix: 'Fix',
  gpsSatellites: 'Satellites',
  gpsHdop: 'HDOP',
  linkState: 'Link',
  linkUp: 'receiving',
  linkLost: 'LOST',
  lastHeard: 'Last heard',
  packets: 'Packets',
  loss: 'Packet loss',
  crcErrors: 'CRC errors',
  linkUri: 'Via',
  noMessages: 'No messages',
  loginTitle: 'Log in',
  username: 'User name',
  password: 'Password',
  loginButton: 'Log in',
  loginWrong: 'Wrong user name or password.',
  loginTooMany: 'Too many attempts. Wait a minute and try again.',
  loginFailed: 'Login failed: {detail}',
  logout: 'Log out',
  sessionError: 'Could not check the login ({detail}).',
  logoutError: 'Could not log out ({detail}).',
  ageSeconds: '{n} s ago',
  ageMinutes: '{n} min ago',
  ageHours: '{n} h ago',
  selectedGone: 'This drone is no longer reported',
  configError: 'Could not load map settings ({detail}); showing a plain background.',
  vehiclesError: 'Could not load the drone list ({detail}); waiting for live data.',
  tilesUnavailable: 'Map tiles unreachable — plain background',
  gpsFix0: 'no GPS',
  gpsFix1: 'no fix',
  gpsFix2: '2D fix',
  gpsFix3: '3D fix',
  gpsFix4: 'DGPS',
  gpsFix5: 'RTK float',
  gpsFix6: 'RTK fixed',
  gpsFix7: 'static',
  gpsFix8: 'PPP',
  state_UNINIT: 'initialising',
  state_BOOT: 'booting',
  state_CALIBRATING: 'calibrating',
  state_STANDBY: 'standby',
  state_ACTIVE: 'active',
  state_CRITICAL: 'CRITICAL',
  state_EMERGENCY: 'EMERGENCY',
  state_POWEROFF: 'powering off',
  state_FLIGHT_TERMINATION: 'FLIGHT TERMINATION',
  severity0: 'EMERGENCY',
  severity1: 'ALERT',
  severity2: 'CRITICAL',
  severity3: 'ERROR',
  severity4: 'WARNING',
  severity5: 'NOTICE',
  severity6: 'INFO',
  severity7: 'DEBUG',
};

export type StringKey = keyof typeof en;

const zhCN: Record<StringKey, string> = {
  appTitle: 'SkyBeat 实时地图',
  language: 'English',
  languageHint: '切换语言',
  connConnecting: '正在连接…',
  connConnected: '实时',
  connReconnecting: '连接中断 — 正在重连…',
  connRefused: '未连接：{detail}',
  fleetSummary: '无人机 {total} 架 · 告警 {warning} · 失联 {lost}',
  drones: '无人机',
  noDrones: '尚未收到无人机信号',
  noPosition: '无位置',
  healthOk: '正常',
  healthWarning: '告警',
  healthLost: '失联',
  close: '关闭',
  sectionFlight: '飞行',
  sectionBattery: '电池',
  sectionGps: '卫星定位',
  sectionLink: '数据链路',
  sectionWarnings: '告警',
  warnBattery: '电量 {value}%',
  warnGps: 'GPS：{value}',
  warnStatus: '飞控状态 {value}',
  warnNoPosition: '无定位',
  sectionMessages: '飞控消息',
  mode: '飞行模式',
  armed: '解锁状态',
  armedYes: '已解锁',
  armedNo: '未解锁',
  systemStatus: '系统状态',
  vehicleType: '机型',
  altRel: '相对高度',
  altMsl: '海拔高度',
  position: '位置',
  groundSpeed: '地速',
  climbRate: '爬升率',
  heading: '航向',
  batteryPercent: '电量',
  batteryVoltage: '电压',
  batteryCurrent: '电流',
  gpsFix: '定位',
  gpsSatellites: '卫星数',
  gpsHdop: 'HDOP',
  linkState: '链路',
  linkUp: '接收中',
  linkLost: '失联',
  lastHeard: '最后收到',
  packets: '数据包',
  loss: '丢包率',
  crcErrors: 'CRC 错误',
  linkUri: '链路地址',
  noMessages: '暂无消息',
  loginTitle: '登录',
  username: '用户名',
  password: '密码',
  loginButton: '登录',
  loginWrong: '用户名或密码错误。',
  loginTooMany: '尝试次数过多，请一分钟后再试。',
  loginFailed: '登录失败：{detail}',
  logout: '退出登录',
  sessionError: '无法检查登录状态（{detail}）。',
  logoutError: '无法退出登录（{detail}）。',
  ageSeconds: '{n} 秒前',
  ageMinutes: '{n} 分钟前',
  ageHours: '{n} 小时前',
  selectedGone: '该无人机已不再上报',
  configError: '无法加载地图设置（{detail}），显示纯色底图。',
  vehiclesError: '无法加载无人机列表（{detail}），等待实时数据。',
  tilesUnavailable: '地图瓦片无法访问 — 显示纯色底图',
  gpsFix0: '无 GPS',
  gpsFix1: '未定位',
  gpsFix2: '2D 定位',
  gpsFix3: '3D 定位',
  gpsFix4: '差分定位',
  gpsFix5: 'RTK 浮点解',
  gpsFix6: 'RTK 固定解',
  gpsFix7: '静态',
  gpsFix8: 'PPP',
  state_UNINIT: '初始化',
  state_BOOT: '启动中',
  state_CALIBRATING: '校准中',
  state_STANDBY: '待命',
  state_ACTIVE: '运行中',
  state_CRITICAL: '严重',
  state_EMERGENCY: '紧急',
  state_POWEROFF: '正在关机',
  state_FLIGHT_TERMINATION: '飞行终止',
  severity0: '紧急',
  severity1: '警报',
  severity2: '严重',
  severity3: '错误',
  severity4: '警告',
  severity5: '注意',
  severity6: '信息',
  severity7: '调试',
};

export const strings: Record<Locale, Record<StringKey, string>> = { en, 'zh-CN': zhCN };

/** The first supported language in the browser's preference order wins; English otherwise. */
export function detectLocale(languages: readonly string[]): Locale {
  for (const language of languages) {
    const lower = language.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'zh-CN';
}

let current: Locale = 'en';
const listeners: Array<(locale: Locale) => void> = [];

export function getLocale(): Locale {
  return current;
}

export function setLocale(locale: Locale): void {
  if (locale === current) return;
  current = locale;
  for (const listener of listeners) listener(locale);
}

export function onLocaleChange(listener: (locale: Locale) => void): void {
  listeners.push(listener);
}

/** The string for key in the current locale, with {name} placeholders filled from params. */
export function t(key: StringKey, params?: Record<string, string | number>): string {
  const template = strings[current][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A translated name when the table has one (e.g. MAV_STATE), else the raw name as sent. */
export function tOptional(key: string, fallback: string): string {
  return Object.hasOwn(en, key) ? t(key as StringKey) : fallback;
}

/** Fills every element carrying data-i18n (text) or data-i18n-title (tooltip) under root. */
export function translateStatic(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n as StringKey);
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) {
    el.title = t(el.dataset.i18nTitle as StringKey);
  }
}
