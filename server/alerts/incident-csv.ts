/**
 * The incident log as a CSV file a police office opens in Excel: UTF-8 with a byte-order mark
 * (without it Excel reads Chinese as mojibake), CRLF line ends, headers and names in the asked
 * language, times as "yyyy-mm-dd hh:mm:ss" in the asked time zone. A spreadsheet runs a cell that
 * starts with = + - @ (or a tab or CR) as a formula: such text cells are written with a leading
 * apostrophe, so a note like "=HYPERLINK(…)" stays text.
 */

import type { IncidentLogEntry, IncidentStep } from '../wire/types.ts';

export const CSV_LANGUAGES = ['en', 'zh-CN'] as const;
export type CsvLanguage = (typeof CSV_LANGUAGES)[number];

/** The file is read outside the page, so its words live here, in both languages. */
const WORDS: Record<CsvLanguage, Record<string, string>> = {
  en: {
    number: 'Incident',
    id: 'Record',
    raised: 'Raised',
    category: 'Category',
    priority: 'Priority',
    lat: 'Latitude',
    lon: 'Longitude',
    note: 'Note',
    raisedBy: 'Raised by',
    drone: 'Drone',
    state: 'State',
    officer: 'Officer',
    offered: 'Offered',
    delivered: 'Delivered',
    accepted: 'Accepted',
    en_route: 'En route',
    on_scene: 'On scene',
    resolved: 'Resolved',
    closed: 'Closed',
    outcome: 'Outcome',
    outcomeNote: 'Outcome note',
    outcomeBy: 'Outcome by',
    cat_fight: 'Fight',
    cat_gambling: 'Gambling',
    cat_theft: 'Theft',
    cat_traffic: 'Traffic',
    cat_missing_person: 'Missing person',
    cat_fire: 'Fire',
    cat_other: 'Other',
    out_handled: 'Handled',
    out_warned: 'Warned and educated',
    out_handed_over: 'Handed over',
    out_unfounded: 'Unfounded',
    out_other: 'Other',
    st_open: 'waiting for an officer',
    st_dispatched: 'officers alerted',
    st_accepted: 'accepted',
    st_en_route: 'en route',
    st_on_scene: 'on scene',
    st_resolved: 'resolved',
    st_closed: 'closed',
  },
  'zh-CN': {
    number: '警情编号',
    id: '记录号',
    raised: '报警时间',
    category: '警情类别',
    priority: '优先级',
    lat: '纬度',
    lon: '经度',
    note: '警情描述',
    raisedBy: '登记人',
    drone: '无人机',
    state: '状态',
    officer: '处警民警',
    offered: '派警时间',
    delivered: '送达时间',
    accepted: '签收时间',
    en_route: '出发时间',
    on_scene: '到场时间',
    resolved: '处置完毕时间',
    closed: '结案时间',
    outcome: '处置结果',
    outcomeNote: '处置说明',
    outcomeBy: '处置结果填写人',
    cat_fight: '打架斗殴',
    cat_gambling: '赌博',
    cat_theft: '盗窃',
    cat_traffic: '交通',
    cat_missing_person: '走失人员',
    cat_fire: '火情',
    cat_other: '其他',
    out_handled: '已处置',
    out_warned: '警告教育',
    out_handed_over: '移交',
    out_unfounded: '无效警情',
    out_other: '其他',
    st_open: '待派警',
    st_dispatched: '已派警',
    st_accepted: '已签收',
    st_en_route: '前往中',
    st_on_scene: '已到场',
    st_resolved: '处置完毕',
    st_closed: '已结案',
  },
};

const STEPS: IncidentStep[] = ['offered', 'delivered', 'accepted', 'en_route', 'on_scene', 'resolved', 'closed'];

/** Text a spreadsheet would take for a formula gets an apostrophe in front; every cell is quoted when it must be. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== value ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A formatter of times as yyyy-mm-dd hh:mm:ss in a time zone; an unknown zone is refused naming it. */
export function timeFormatter(timeZone?: string): (time: number | null) => string {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
  } catch {
    throw new RangeError(`tz: unknown time zone "${timeZone}"`);
  }
  return (time) => {
    if (time === null) return '';
    const p = Object.fromEntries(format.formatToParts(time).map((part) => [part.type, part.value]));
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  };
}

export function incidentCsv(entries: IncidentLogEntry[], lang: CsvLanguage, timeZone?: string): string {
  const w = WORDS[lang];
  const time = timeFormatter(timeZone);
  const header = [
    'number',
    'id',
    'raised',
    'category',
    'priority',
    'lat',
    'lon',
    'note',
    'raisedBy',
    'drone',
    'state',
    'officer',
    ...STEPS,
    'outcome',
    'outcomeNote',
    'outcomeBy',
  ].map((k) => w[k]!);
  const rows = entries.map((e) => [
    e.number,
    e.id,
    time(e.timeline.raised),
    w[`cat_${e.category}`] ?? e.category,
    e.priority,
    e.lat,
    e.lon,
    e.note,
    e.createdBy,
    e.vehicleId ?? '',
    w[`st_${e.state}`] ?? e.state,
    e.officer ?? '',
    ...STEPS.map((s) => time(e.timeline[s])),
    e.outcome ? w[`out_${e.outcome.code}`] ?? e.outcome.code : '',
    e.outcome?.note ?? '',
    e.outcome?.by ?? '',
  ]);
  return `\uFEFF${[header, ...rows].map((row) => row.map((cell) => csvCell(cell)).join(',')).join('\r\n')}\r\n`;
}
