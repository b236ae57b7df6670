/**
 * Small DOM helpers for the parts drawn by hand every frame (the drone list and telemetry, the
 * map's markers): they skip writes which would change nothing, so frames do no needless style work.
 */

import type { StringKey } from './i18n.ts';

export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Creates an element with a class and optional text. */
export function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** One row of a panel's field list: a label translated by its data-i18n, and a value cell, both named by key. */
export function fieldRow(list: HTMLElement, key: StringKey): { label: HTMLElement; value: HTMLElement } {
  const label = make('dt', 'panel__label');
  label.dataset.i18n = key;
  const value = make('dd', 'panel__value');
  value.dataset.field = key;
  list.append(label, value);
  return { label, value };
}
