/**
 * The page's language, as state: one signal, and one string table for both pages (strings/en.ts,
 * strings/zh-CN.ts). A view that calls t() while it draws follows the language by itself: the
 * Preact views re-render, and the few imperative parts (the map's markers, the drone list and
 * telemetry) subscribe with followLanguage(). No DOM access at module level, so tests import it.
 */

import { effect, signal, untracked } from '@preact/signals-core';
import { en, type StringKey } from './strings/en.ts';
import { zhCN } from './strings/zh-CN.ts';

export type { StringKey };
export type Locale = 'en' | 'zh-CN';

export const strings: Record<Locale, Record<StringKey, string>> = { en, 'zh-CN': zhCN };

/** The language the page speaks now. */
export const locale = signal<Locale>('en');

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

export function getLocale(): Locale {
  return locale.value;
}

export function setLocale(next: Locale): void {
  locale.value = next;
}

/**
 * Runs draw now and again after each language switch, for parts of the page drawn by hand. Only
 * the language is followed: whatever else draw reads does not make it run again.
 */
export function followLanguage(draw: () => void): void {
  effect(() => {
    void locale.value;
    untracked(draw);
  });
}

/**
 * The string for key in language lang, with {name} filled from params; {name:one|other} picks
 * the word for the count in params[name] (English plurals; Chinese needs none).
 */
export function translate(lang: Locale, key: StringKey, params?: Record<string, string | number>): string {
  const template = strings[lang][key];
  if (!params) return template;
  return template.replace(/\{(\w+)(?::([^|}]*)\|([^}]*))?\}/g, (whole, name: string, one?: string, other?: string) => {
    if (!(name in params)) return whole;
    if (one === undefined) return String(params[name]);
    return new Intl.PluralRules(lang).select(Number(params[name])) === 'one' ? one : other!;
  });
}

/** The string for key in the page's language (read inside a view, the view follows the language). */
export function t(key: StringKey, params?: Record<string, string | number>): string {
  return translate(locale.value, key, params);
}

/** A translated name when the table has one (e.g. MAV_STATE), else the raw name as sent. */
export function tOptional(key: string, fallback: string): string {
  return Object.hasOwn(en, key) ? t(key as StringKey) : fallback;
}

/**
 * Something to say later, in whatever language the page speaks then: a key and its params, which
 * may be phrases themselves (an action's name inside a command's outcome) or names worked out in
 * the language of the moment (a route's). Kept instead of the finished text, so a line drawn
 * from it is said again after a language switch.
 */
export interface Phrase {
  key: StringKey;
  params?: Record<string, string | number | Phrase | (() => string)>;
}

export function phrase(key: StringKey, params?: Phrase['params']): Phrase {
  return { key, params };
}

/** The phrase in the page's language. */
export function say(p: Phrase): string {
  if (!p.params) return t(p.key);
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(p.params)) {
    params[name] = typeof value === 'object' ? say(value) : typeof value === 'function' ? value() : value;
  }
  return t(p.key, params);
}

/** Fills every element of the pages' static markup carrying data-i18n (text) or data-i18n-title (tooltip) under root. */
export function translateStatic(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n as StringKey);
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) {
    el.title = t(el.dataset.i18nTitle as StringKey);
  }
}
