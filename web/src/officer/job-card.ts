/** One job as a card: what and where, how far, the answers that fit its state, and links to a maps app. */

import type { GroundAlertView, OfficerAnswer } from '../../../server/wire/types.ts';
import { make, setText } from '../dom.ts';
import { age } from '../format.ts';
import { getLocale, t, translate, type Locale, type StringKey } from '../i18n.ts';
import { amapUri, bearingDeg, compassPoint, distanceM, geoUri, type LatLon } from './geo.ts';
import { awaitsAnswer, nextAnswers } from './jobs.ts';

export interface CardState {
  /** the service's refusal of the last answer, shown until the next one */
  error: string | null;
  /** an answer is on its way: no second tap meanwhile */
  sending: boolean;
}

export interface CardActions {
  answer(job: GroundAlertView, answer: OfficerAnswer): void;
  select(job: GroundAlertView): void;
}

const categoryKey = (category: string) => `cat_${category}` as StringKey;

export function formatDistance(metres: number): string {
  if (metres >= 1000) return t('kilometres', { n: (metres / 1000).toFixed(1) });
  return t('metres', { n: metres >= 100 ? Math.round(metres / 10) * 10 : Math.round(metres) });
}

export function renderJob(job: GroundAlertView, me: string, state: CardState, selected: boolean, actions: CardActions): HTMLElement {
  const waiting = awaitsAnswer(job, me);
  const card = make('article', `job job--p${job.priority}${waiting ? ' job--offer' : ''}${selected ? ' job--selected' : ''}`);
  Object.assign(card.dataset, { alertId: String(job.id), state: job.state, createdAt: String(job.createdAt) });
  card.addEventListener('click', (event) => {
    if (!(event.target as HTMLElement).closest('button, a, .job-map')) actions.select(job);
  });

  const head = make('header', 'job__head');
  const other: Locale = getLocale() === 'zh-CN' ? 'en' : 'zh-CN';
  head.append(
    make('span', 'job__category', t(categoryKey(job.category))),
    make('span', 'job__category-other', translate(other, categoryKey(job.category))),
    make('span', 'job__priority', t('jobPriority', { n: job.priority })),
  );
  card.append(head, make('p', 'job__state', t(`job_${job.state}` as StringKey)));
  if (job.note) card.append(make('p', 'job__note', job.note));
  const facts = make('p', 'job__facts');
  facts.append(make('span', 'job__distance'), make('span', 'job__age'));
  card.append(facts);

  const answers = nextAnswers(job, me);
  if (answers.length) {
    const row = make('div', 'job__answers');
    for (const answer of answers) {
      const button = make('button', `answer answer--${answer}`, t(`reply_${answer}`));
      button.type = 'button';
      button.dataset.answer = answer;
      button.disabled = state.sending;
      button.addEventListener('click', () => actions.answer(job, answer));
      row.append(button);
    }
    card.append(row);
  }
  const error = make('p', 'job__error', state.error ?? '');
  error.setAttribute('role', 'alert');
  error.hidden = state.error === null;
  card.append(error);

  const label = `${t(categoryKey(job.category))} #${job.id}`;
  const nav = make('div', 'job__nav');
  const geo = make('a', 'nav nav--geo', t('navGeo'));
  geo.href = geoUri(job, label);
  const amap = make('a', 'nav nav--amap', t('navAmap'));
  amap.href = amapUri(job, label);
  amap.target = '_blank';
  amap.rel = 'noopener noreferrer';
  nav.append(geo, amap);
  card.append(nav);
  // The selected job carries the map (placed here by the page, which owns the one map there is).
  if (selected) card.append(make('div', 'job__map-slot'));
  return card;
}

/** The parts that change with time and with the officer's movement, updated in place (no re-render under a finger). */
export function updateLive(card: HTMLElement, job: GroundAlertView, here: LatLon | null, now: number): void {
  const distance = card.querySelector<HTMLElement>('.job__distance')!;
  if (here) {
    const metres = distanceM(here, job);
    const bearing = bearingDeg(here, job);
    distance.dataset.distanceM = String(Math.round(metres));
    distance.dataset.bearing = String(Math.round(bearing));
    setText(distance, t('away', { distance: formatDistance(metres), direction: t(`dir_${compassPoint(bearing)}`) }));
  } else {
    delete distance.dataset.distanceM;
    setText(distance, t('distanceUnknown'));
  }
  setText(card.querySelector<HTMLElement>('.job__age')!, t('raised', { age: age(job.createdAt, now), who: job.createdBy }));
}
