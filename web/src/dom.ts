/** Small DOM helpers that skip writes which would change nothing, so frames do no needless style work. */

import { t, type StringKey } from './i18n.ts';

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

/** Shows or hides an element, writing only when that changes. */
export function setHidden(el: HTMLElement, hidden: boolean): void {
  if (el.hidden !== hidden) el.hidden = hidden;
}

/** A button with a class and a translated label (data-i18n follows language switches). */
export function button(className: string, labelKey: StringKey): HTMLButtonElement {
  const el = make('button', className, t(labelKey));
  el.type = 'button';
  el.dataset.i18n = labelKey;
  return el;
}

/** A section of the drone panel with its translated title. */
export function titledSection(className: string, titleKey: StringKey): HTMLElement {
  const section = make('section', `panel__section ${className}`);
  const heading = make('h3', 'panel__title', t(titleKey));
  heading.dataset.i18n = titleKey;
  section.append(heading);
  return section;
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
