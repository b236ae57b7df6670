import { afterEach, expect, it } from 'vitest';
import { setLocale, strings, t } from '../../web/src/i18n.ts';

afterEach(() => setLocale('en'));

it('fills placeholders and picks the English plural by count; Chinese has one form', () => {
  expect(t('fleetSummary', { total: 1, warning: 0, lost: 0 })).toBe('1 drone · 0 warning · 0 link lost');
  expect(t('fleetSummary', { total: 3, warning: 1, lost: 0 })).toBe('3 drones · 1 warning · 0 link lost');
  expect(t('fleetSummary', { total: 0, warning: 0, lost: 0 })).toBe('0 drones · 0 warning · 0 link lost');
  setLocale('zh-CN');
  expect(t('fleetSummary', { total: 1, warning: 0, lost: 1 })).toBe('无人机 1 架 · 告警 0 · 失联 1');
});

it('has every English string in Chinese, with the same placeholders', () => {
  const names = (s: string) => [...s.matchAll(/\{(\w+)[:}]/g)].map((m) => m[1]).sort();
  for (const [key, en] of Object.entries(strings.en)) {
    const zh = (strings['zh-CN'] as Record<string, string>)[key];
    expect(zh, key).toBeTypeOf('string');
    expect([...new Set(names(zh!))], key).toEqual([...new Set(names(en))]);
  }
});
