/**
 * One job as a card: what and where, how far, the answers that fit its state, and links to a maps
 * app. Drawn by Preact: the distance and age follow the officer's movement and the clock without
 * rebuilding the card, so nothing moves under the officer's finger.
 */

import type { ReadonlySignal } from '@preact/signals';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { GroundAlertView, OfficerAnswer } from '../../../server/wire/types.ts';
import { age } from '../format.ts';
import { getLocale, t, translate, type Locale, type StringKey } from '../i18n.ts';
import type { LatLon } from '../../../server/wire/types.ts';
import { amapUri, bearingDeg, compassPoint, distanceM, geoUri } from './geo.ts';
import { awaitsAnswer, nextAnswers } from './jobs.ts';

export interface CardState {
  /** the service's reason for refusing the last answer, shown until the next one */
  error: string | null;
  /** an answer is on its way: no second tap meanwhile */
  sending: boolean;
}

export interface CardParts {
  me: string;
  /** where the officer is (null: not known yet) */
  here: ReadonlySignal<LatLon | null>;
  /** the clock, for ages */
  now: ReadonlySignal<number>;
  answer(job: GroundAlertView, answer: OfficerAnswer): void;
  select(job: GroundAlertView): void;
  /** places the one map there is into the selected card, showing this job */
  showMap(slot: HTMLElement, job: GroundAlertView, here: LatLon | null, labels: { incident: string; you: string }): void;
}

const categoryKey = (category: string) => `cat_${category}` as StringKey;

export function formatDistance(metres: number): string {
  if (metres >= 1000) return t('kilometres', { n: (metres / 1000).toFixed(1) });
  return t('metres', { n: metres >= 100 ? Math.round(metres / 10) * 10 : Math.round(metres) });
}

/** How far and which way, and since when: the parts that change with time and with the officer's movement. */
function Facts({ job, parts }: { job: GroundAlertView; parts: CardParts }) {
  const here = parts.here.value;
  const metres = here ? distanceM(here, job) : null;
  const bearing = here ? bearingDeg(here, job) : null;
  return (
    <p class="job__facts">
      <span class="job__distance" data-distance-m={metres === null ? undefined : String(Math.round(metres))} data-bearing={bearing === null ? undefined : String(Math.round(bearing))}>
        {metres === null || bearing === null ? t('distanceUnknown') : t('away', { distance: formatDistance(metres), direction: t(`dir_${compassPoint(bearing)}`) })}
      </span>
      <span class="job__age">{t('raised', { age: age(job.createdAt, parts.now.value), who: job.createdBy })}</span>
    </p>
  );
}

/** Where the selected job's map goes. */
function MapSlot({ job, parts }: { job: GroundAlertView; parts: CardParts }) {
  const slot = useRef<HTMLDivElement>(null);
  const here = parts.here.value;
  const labels = { incident: t('incident'), you: t('you') };
  useLayoutEffect(() => {
    if (slot.current) parts.showMap(slot.current, job, here, labels);
  });
  return <div class="job__map-slot" ref={slot} />;
}

export function JobCard({ job, state, selected, parts }: { job: GroundAlertView; state: CardState; selected: boolean; parts: CardParts }) {
  const waiting = awaitsAnswer(job, parts.me);
  const other: Locale = getLocale() === 'zh-CN' ? 'en' : 'zh-CN';
  const category = t(categoryKey(job.category));
  const label = `${category} #${job.id}`;
  return (
    <article
      class={`job job--p${job.priority}${waiting ? ' job--offer' : ''}${selected ? ' job--selected' : ''}`}
      data-alert-id={String(job.id)} data-state={job.state} data-created-at={String(job.createdAt)}
      onClick={(event) => {
        if (!(event.target as HTMLElement).closest('button, a, .job-map')) parts.select(job);
      }}
    >
      <header class="job__head">
        <span class="job__category">{category}</span>
        <span class="job__category-other">{translate(other, categoryKey(job.category))}</span>
        <span class="job__priority">{t('jobPriority', { n: job.priority })}</span>
      </header>
      <p class="job__state">{t(`job_${job.state}` as StringKey)}</p>
      {job.note && <p class="job__note">{job.note}</p>}
      <Facts job={job} parts={parts} />
      {nextAnswers(job, parts.me).length > 0 && (
        <div class="job__answers">
          {nextAnswers(job, parts.me).map((answer) => (
            <button key={answer} type="button" class={`answer answer--${answer}`} data-answer={answer} disabled={state.sending} onClick={() => parts.answer(job, answer)}>
              {t(`reply_${answer}`)}
            </button>
          ))}
        </div>
      )}
      <p class="job__error" role="alert" hidden={state.error === null}>{state.error === null ? '' : t('answerRefused', { detail: state.error })}</p>
      <div class="job__nav">
        <a class="nav nav--geo" href={geoUri(job, label)}>{t('navGeo')}</a>
        <a class="nav nav--amap" href={amapUri(job, label)} target="_blank" rel="noopener noreferrer">{t('navAmap')}</a>
      </div>
      {/* The selected job carries the map (the page owns the one map there is). */}
      {selected && <MapSlot job={job} parts={parts} />}
    </article>
  );
}
