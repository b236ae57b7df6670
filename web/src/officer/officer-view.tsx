/** The officer's page as Preact draws it from OfficerApp's state; every text follows the language. */

import type { ComponentChildren } from 'preact';
import { age, clockTime } from '../format.ts';
import { say, t } from '../i18n.ts';
import type { SessionUser } from '../login.ts';
import { sayServer } from '../said.tsx';
import type { OfficerApp } from './app.tsx';
import { JobCard, type CardParts } from './job-card.tsx';
import type { Notice } from './notice.ts';

const CONNECTION_TEXT = { connecting: 'connConnecting', connected: 'officerConnected', reconnecting: 'officerReconnecting', refused: 'connRefused' } as const;

function Connection({ app }: { app: OfficerApp }) {
  const { state, detail } = app.connection.value;
  return (
    <p id='connection' class='conn' data-state={state} role='status' aria-live='polite'>
      {t(CONNECTION_TEXT[state], { detail: typeof detail === 'string' ? detail : sayServer(detail) })}
    </p>
  );
}

function Duty({ app }: { app: OfficerApp }) {
  const onDuty = app.onDuty.value;
  const known = onDuty !== null;
  return (
    <button id='duty' class='duty' type='button' aria-pressed={onDuty === true ? 'true' : 'false'} disabled={!known} onClick={() => app.toggleDuty()}>
      <span class='duty__state'>{t(!known ? 'dutyUnknown' : onDuty ? 'dutyOn' : 'dutyOff')}</span>
      <span class='duty__hint'>{!known ? '' : t(onDuty ? 'dutyTapOff' : 'dutyTapOn')}</span>
    </button>
  );
}

/** Whether the phone shares where the officer is, and if not, why. */
function Location({ app }: { app: OfficerApp }) {
  const p = app.locationProblem.value;
  const here = app.here.value;
  let state: string;
  let text: string;
  if (!app.onDuty.value) [state, text] = ['off', t('locOff')];
  else if (p?.kind === 'denied') [state, text] = ['denied', t('locDenied')];
  else if (p?.kind === 'unsupported') [state, text] = ['denied', t('locUnsupported')];
  else if (p?.kind === 'unavailable')
    [state, text] = ['unavailable', t('locUnavailable', { detail: p.rejected ? t('locRejected', { detail: p.detail }) : p.detail })];
  else if (here) [state, text] = ['shared', t('locShared', { accuracy: Math.round(here.accuracyM), age: age(here.time, app.now.value) })];
  else [state, text] = ['waiting', t('locWaiting')];
  return <p id='location' class='location' data-state={state}>{text}</p>;
}

export function NoticeLine({ notice }: { notice: Notice }) {
  const said = notice.said.value;
  return (
    <p id='notice' class='notice' role='status' aria-live='polite' hidden={said === null}>
      {said === null ? '' : typeof said === 'string' ? said : say(said)}
    </p>
  );
}

function JobList({ app }: { app: OfficerApp }) {
  const list = app.list.value;
  const selected = app.selectedJob();
  const cards = app.cards.value;
  const parts: CardParts = {
    me: app.jobs.me,
    here: app.here,
    now: app.now,
    answer: (job, answer, extra) => app.answer(job, answer, extra),
    queued: (id) => app.queued.value.filter((q) => q.id === id),
    made: (id, answer) => app.made.value.get(`${id}:${answer}`),
    drone: (id) => app.drones.value.get(id),
    video: (id) => app.videos.for(id),
    waiting: () => app.held.value || app.offline.value,
    select: (job) => app.select(job),
    showMap: (slot, job, here, labels) => {
      if (app.map.container.parentElement !== slot) slot.append(app.map.container);
      app.map.show(job, here, labels);
    },
  };
  return (
    <section id='jobs-area' class='jobs-area'>
      <h2 class='jobs-area__title'>{t('jobs')}</h2>
      <p id='no-jobs' class='jobs-area__empty' hidden={list.length > 0}>{t('noJobs')}</p>
      <div id='jobs' class='jobs'>
        {list.map((job) => (
          <JobCard key={job.id} job={job} state={cards.get(job.id) ?? app.cardState(job.id)} selected={job.id === selected?.id} parts={parts} />
        ))}
      </div>
    </section>
  );
}

/** No network: what the officer taps is kept and sent later, and the page says so. */
function Offline({ app }: { app: OfficerApp }) {
  const show = app.offline.value || (app.held.value && app.queued.value.length > 0);
  return <p id='offline' class='banner banner--offline' role='status' hidden={!show}>{t('officerOffline')}</p>;
}

/** Answers made offline that arrived too late to apply: said until the officer has read them. */
function LateAnswers({ app }: { app: OfficerApp }) {
  const late = app.late.value;
  return (
    <ul id='late-answers' class='late' hidden={late.length === 0}>
      {late.map((l) => (
        <li key={l.key} class='late__item' data-alert-id={String(l.id)} data-answer={l.answer} role='alert'>
          <span class='late__text'>
            {t('lateNotApplied', {
              id: l.id,
              answer: t(`reply_${l.answer}`),
              time: clockTime(l.at),
              reason: typeof l.reason === 'string' ? l.reason : say(l.reason),
            })}
          </span>
          <button type='button' class='late__dismiss' onClick={() => app.dismissLate(l.key)}>{t('lateDismiss')}</button>
        </li>
      ))}
    </ul>
  );
}

export function Account({ user, onLogout }: { user: SessionUser; onLogout: () => void }) {
  return (
    <footer id='account' class='account'>
      <span id='user' class='account__user'>{user.displayName || user.name}</span>
      <button id='logout' class='bar__button' type='button' onClick={onLogout}>{t('logout')}</button>
    </footer>
  );
}

export function OfficerPage({ app, children }: { app: OfficerApp; children?: ComponentChildren }) {
  const stopping = app.stopping.value;
  const ring = app.ring.value;
  return (
    <>
      <Connection app={app} />
      <p id='shutdown' class='banner banner--stopping' role='alert' hidden={stopping === null}>{stopping ? say(stopping) : ''}</p>
      <section id='duty-area' class='duty-area'>
        <Duty app={app} />
        <Location app={app} />
      </section>
      <p id='sound-locked' class='banner' hidden={!ring.soundLocked}>{t('soundLocked')}</p>
      <div id='ringing' class='ringing' role='alert' hidden={!ring.ringing}>
        <span class='ringing__text'>{t('ringingNow')}</span>
        <button id='silence' class='ringing__silence' type='button' onClick={() => app.silence()}>{t('silence')}</button>
      </div>
      <Offline app={app} />
      <NoticeLine notice={app.o.notice} />
      <JobList app={app} />
      {/* Below the jobs: appearing, it moves no button the officer may be about to tap. */}
      <LateAnswers app={app} />
      {children}
    </>
  );
}

/** Someone without the officer role opened the page: say so plainly. */
export function NotOfficer({ user }: { user: SessionUser }) {
  return (
    <section id='not-officer' class='not-officer'>
      <p id='not-officer-text'>{t('notOfficer', { name: user.name, roles: user.roles.join(', ') || '—' })}</p>
      <a class='not-officer__link' href='/'>{t('toMap')}</a>
    </section>
  );
}
