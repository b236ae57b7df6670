/**
 * The dispatcher's choice of officer for an incident: every officer, reachable ones on duty
 * nearest first (the service sorts them by ETA), each with their duty, phone and job, so a tap
 * never goes to someone whose phone will not ring without the dispatcher seeing so.
 */

import type { DispatchCandidate, GroundAlertView } from '../../../server/wire/types.ts';
import { distance, duration } from '../format.ts';
import { t, tOptional } from '../i18n.ts';

export type Candidates = DispatchCandidate[] | 'loading' | { error: string };

export function AssignPicker({ incident, candidates, busy, numberOf, pick, cancel }: {
  incident: GroundAlertView;
  candidates: Candidates;
  /** a request for this incident is on its way */
  busy: boolean;
  /** an incident's number from its id (for "busy with …") */
  numberOf(id: number): string;
  pick(officer: string): void;
  cancel(): void;
}) {
  const held = incident.assignee?.officer;
  return (
    <div class='assign' data-assign={String(incident.id)}>
      <p class='assign__title'>{t('assignTitle', { number: incident.number })}</p>
      {candidates === 'loading' ?
        <p class='assign__note'>{t('assignLoading')}</p>
        : 'error' in candidates ?
        <p class='assign__note assign__note--error'>{candidates.error}</p>
        : candidates.length === 0 ?
        <p class='assign__note'>{t('assignNobody')}</p>
        : (
          <ol class='assign__list'>
            {candidates.map((c) => {
              const state = [
                c.onDuty ? t('candOnDuty') : t('candOffDuty'),
                c.phoneOnline ? t('candPhoneOnline') : t('phoneOffline'),
                ...(c.busyWith !== null ? [t('candBusy', { number: numberOf(c.busyWith) })] : []),
                ...(c.alerted ? [c.answer ? tOptional(`answer_${c.answer}`, c.answer) : t('candAlerted')] : []),
              ].join(' · ');
              const where = c.distanceM === null ? t('noLocation') : `${distance(c.distanceM)} · ${t('eta', { eta: duration(c.etaS) })}`;
              return (
                <li key={c.name} class={`assign__officer${c.onDuty && c.reachable ? '' : ' assign__officer--unreachable'}`} data-officer={c.name}>
                  <span class='assign__name'>{c.displayName || c.name}</span>
                  {/* the centre gives a job to any station's officer: whose is said */}
                  {c.station ? <span class='assign__station' data-station-id={c.station}>{t('officerStation', { station: c.station })}</span> : null}
                  <span class='assign__where'>{where}</span>
                  <span class='assign__state'>{state}</span>
                  <button type='button' class='button assign__pick' data-pick={c.name} disabled={busy || c.name === held} onClick={() => pick(c.name)}>
                    {t('assignPick')}
                  </button>
                </li>
              );
            })}
          </ol>
        )}
      <button type='button' class='button assign__cancel' onClick={cancel}>{t('cancel')}</button>
    </div>
  );
}
