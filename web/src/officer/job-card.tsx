/**
 * One job as a card: what and where, how far, the answers that fit its state, and links to a maps
 * app. Drawn by Preact: the distance and age follow the officer's movement and the clock without
 * rebuilding the card, so nothing moves under the officer's finger.
 */

import type { ReadonlySignal } from '@preact/signals';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { GroundAlertView, JobDroneView, OfficerAnswer } from '../../../server/wire/types.ts';
import { age, clockTime } from '../format.ts';
import { getLocale, say, t, translate, type Phrase, type StringKey } from '../i18n.ts';
import type { LatLon } from '../../../server/wire/types.ts';
import { amapUri, bearingDeg, compassPoint, distanceM, geoUri } from './geo.ts';
import { JobSteps, type AnswerExtra } from './job-steps.tsx';
import { standing } from './jobs.ts';
import type { QueuedAnswer } from './outbox.ts';
import { JobVideo, type JobVideoView } from '../video/officer-video.tsx';

export interface CardState {
  /** the service's reason for refusing the last answer (a phrase when it sent a code), shown until the next one or a reconnection */
  error: Phrase | string | null;
  /** an answer is on its way: no second tap meanwhile */
  sending: boolean;
  /** the card changed (a step taken, an offer): its buttons take taps again from this time (ms) */
  armedAt: number;
}

export interface CardParts {
  me: string;
  /** where the officer is (null: not known yet) */
  here: ReadonlySignal<LatLon | null>;
  /** the clock, for ages */
  now: ReadonlySignal<number>;
  answer(job: GroundAlertView, answer: OfficerAnswer, extra?: AnswerExtra): void;
  /** this phone's answers to a job still waiting to be sent, oldest first */
  queued(id: number): readonly QueuedAnswer[];
  /** the drone sent over this job's incident, if any (无人机先行) */
  drone(id: number): JobDroneView | undefined;
  /** that drone's live video, when it has a camera (issue 16) */
  video?(id: number): JobVideoView | undefined;
  /** when this phone made an answer the service took */
  made(id: number, answer: OfficerAnswer): number | undefined;
  /** whether those answers have already failed to go once (no network): the card says they wait */
  waiting(id: number): boolean;
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
    <p class='job__facts'>
      <span
        class='job__distance'
        data-distance-m={metres === null ? undefined : String(Math.round(metres))}
        data-bearing={bearing === null ? undefined : String(Math.round(bearing))}
      >
        {metres === null || bearing === null
          ? t('distanceUnknown')
          : t('away', { distance: formatDistance(metres), direction: t(`dir_${compassPoint(bearing)}`) })}
      </span>
      <span class='job__age'>{t('raised', { age: age(job.createdAt, parts.now.value), who: job.createdBy })}</span>
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
  return <div class='job__map-slot' ref={slot} />;
}

/** A drone over the scene (the service's word: fresh telemetry within 30 m), or on its way there. */
function DroneLine({ drone: d }: { drone: JobDroneView | undefined }) {
  const underway = d && (d.state === 'arming' || d.state === 'climbing' || d.state === 'transit' || d.state === 'on_scene');
  if (!d || !underway) return null;
  return (
    <p class={`job__drone${d.overhead ? ' job__drone--overhead' : ''}`} data-overhead={String(d.overhead)} data-state={d.state}>
      {d.overhead ? t('jobDroneOverhead') : t('jobDroneOnWay')}
    </p>
  );
}

export function JobCard({ job, state, selected, parts }: { job: GroundAlertView; state: CardState; selected: boolean; parts: CardParts }) {
  const queued = parts.queued(job.id);
  const stands = standing(job, parts.me, queued);
  const waiting = stands.awaiting;
  // An English page also names the category in Chinese, as dispatch and the radio say it; a Chinese page says it once, in Chinese.
  const chineseToo = getLocale() === 'en';
  const category = t(categoryKey(job.category));
  // Named by its number, as the command room names it on the radio.
  const label = `${category} ${job.number}`;
  return (
    <article
      class={`job job--p${job.priority}${waiting ? ' job--offer' : ''}${selected ? ' job--selected' : ''}`}
      data-alert-id={String(job.id)}
      data-state={job.state}
      data-created-at={String(job.createdAt)}
      onClick={(event) => {
        if (!(event.target as HTMLElement).closest('button, a, .job-map')) parts.select(job);
      }}
    >
      <header class='job__head'>
        <span class='job__category'>{category}</span>
        {chineseToo && <span class='job__category-other'>{translate('zh-CN', categoryKey(job.category))}</span>}
        <span class='job__priority'>{t('jobPriority', { n: job.priority })}</span>
        <span class='job__number'>{job.number}</span>
      </header>
      <p class='job__state'>{t(stands.declined ? 'job_declined' : `job_${stands.state}` as StringKey)}</p>
      {job.note && <p class='job__note'>{job.note}</p>}
      <DroneLine drone={parts.drone(job.id)} />
      {parts.video && <JobVideo video={parts.video(job.id)} alertId={job.id} number={job.number} now={parts.now.value} />}
      <Facts job={job} parts={parts} />
      <JobSteps
        job={job}
        me={parts.me}
        standing={stands}
        queued={queued}
        made={(answer) => parts.made(job.id, answer)}
        locked={state.sending || parts.now.value < state.armedAt}
        answer={(answer, extra) => parts.answer(job, answer, extra)}
      />
      <p class='job__queued' role='status' hidden={queued.length === 0 || !parts.waiting(job.id)}>
        {t('queuedAnswers', {
          answers: queued.map((q) => t('queuedAnswer', { answer: t(`reply_${q.answer}`), time: clockTime(q.at) })).join(t('listSeparator')),
        })}
      </p>
      <p class='job__error' role='alert' hidden={state.error === null}>
        {state.error === null ? '' : t('answerRefused', { detail: typeof state.error === 'string' ? state.error : say(state.error) })}
      </p>
      <div class='job__nav'>
        <a class='nav nav--geo' href={geoUri(job, label)}>{t('navGeo')}</a>
        <a class='nav nav--amap' href={amapUri(job, label)} target='_blank' rel='noopener noreferrer'>{t('navAmap')}</a>
      </div>
      {/* The selected job carries the map (the page owns the one map there is). */}
      {selected && <MapSlot job={job} parts={parts} />}
    </article>
  );
}
