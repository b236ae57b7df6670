/** What the panels are made of: a titled section, and rows of labelled values. */

import type { ComponentChildren, HTMLAttributes, Ref } from 'preact';
import { t, type StringKey } from '../i18n.ts';

type SectionProps = Omit<HTMLAttributes<HTMLElement>, 'class' | 'title' | 'ref'> & {
  class: string;
  title: StringKey;
  sectionRef?: Ref<HTMLElement>;
  children?: ComponentChildren;
};

/** A section of the drone panel under its title. */
export function PanelSection({ class: name, title, sectionRef, children, ...attributes }: SectionProps) {
  return (
    <section class={`panel__section ${name}`} ref={sectionRef} {...attributes}>
      <h3 class='panel__title'>{t(title)}</h3>
      {children}
    </section>
  );
}

/** One row of a field list (inside a <dl class="panel__fields">): the label, and the value named by the label's key. */
export function FieldRow({ label, value, hidden = false, alert = false }: { label: StringKey; value: string; hidden?: boolean; alert?: boolean }) {
  return (
    <>
      <dt class='panel__label' hidden={hidden}>{t(label)}</dt>
      <dd class={alert ? 'panel__value panel__value--alert' : 'panel__value'} data-field={label} hidden={hidden}>{value}</dd>
    </>
  );
}
