import { effect } from '@preact/signals-core';
import { afterEach, expect, it } from 'vitest';
import { followLanguage, locale, phrase, say, setLocale, strings, t, translate } from '../../web/src/i18n.ts';

afterEach(() => setLocale('en'));

it('fills placeholders and picks the English plural by count; Chinese has one form', () => {
  expect(t('fleetSummary', { total: 1, lost: 0 })).toBe('1 drone · 0 link lost');
  expect(t('fleetSummary', { total: 3, lost: 0 })).toBe('3 drones · 0 link lost');
  expect(t('fleetSummary', { total: 0, lost: 0 })).toBe('0 drones · 0 link lost');
  expect(t('countIncidents', { n: 1 })).toBe('1 incident waiting');
  setLocale('zh-CN');
  expect(t('fleetSummary', { total: 1, lost: 1 })).toBe('无人机 1 架 · 失联 1');
  expect(t('countIncidents', { n: 2 })).toBe('未签收警情 2');
});

it('has every English string in Chinese, with the same placeholders, for both pages in one table', () => {
  const names = (s: string) => [...s.matchAll(/\{(\w+)[:}]/g)].map((m) => m[1]).sort();
  const zhTable = strings['zh-CN'] as Record<string, string>;
  expect(Object.keys(zhTable).sort()).toEqual(Object.keys(strings.en).sort());
  for (const [key, en] of Object.entries(strings.en)) {
    const zh = zhTable[key];
    expect(zh, key).toBeTypeOf('string');
    expect(zh, `${key} is not translated`).not.toBe('');
    expect([...new Set(names(zh!))], key).toEqual([...new Set(names(en))]);
  }
  // The phone page's strings are in the same table as the map's (one table, one t()).
  expect(translate('zh-CN', 'dutyOn')).toBe('在岗');
  expect(translate('en', 'officerTitle')).toBe('SkyBeat Officer');
});

it('is state: whatever reads a string follows the language, and a phrase is said in the language of the moment', () => {
  const drawn: string[] = [];
  const stop = effect(() => {
    drawn.push(t('connConnected'));
  });
  const line = phrase('outcomeAccepted', { action: phrase('actPause'), drone: 'Drone 1' });
  expect(say(line)).toBe('Pause: accepted by Drone 1.');
  setLocale('zh-CN');
  expect(drawn).toEqual(['Live', '实时']);
  expect(say(line)).toBe('暂停：Drone 1 已接受。');
  // A name worked out in the language of the moment (a route's) follows too.
  const imported = phrase('imported', { file: 'a.plan', name: () => (locale.value === 'zh-CN' ? '夜市巡逻' : 'Evening market') });
  expect(say(imported)).toBe('已导入 a.plan：“夜市巡逻”。');
  setLocale('zh-CN'); // no change, no redraw
  expect(drawn).toHaveLength(2);
  stop();
});

it('runs a hand-drawn part again on each switch, and only then', () => {
  let draws = 0;
  let other = 0;
  followLanguage(() => {
    draws++;
    other += locale.peek() === 'zh-CN' ? 1 : 0;
  });
  expect(draws).toBe(1);
  setLocale('zh-CN');
  setLocale('en');
  expect(draws).toBe(3);
  expect(other).toBe(1);
});
