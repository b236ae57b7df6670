/**
 * Drone to the scene (无人机先行), for the pilot in command: pick a point on the map (or take an
 * incident's from its card), read the service's checks line by line as before a launch, confirm,
 * and the drone goes. While it is there: its state, distance, "overhead" as the service says it,
 * time held, battery and the countdown to turning home (amber under 2 minutes); return home,
 * resume the patrol it left, or keep it there past the battery limit — each confirmed and audited
 * by the service. Nothing is sent without confirm: true.
 */

import { signal } from '@preact/signals';
import type * as L from 'leaflet';
import type { GotoView, LatLon, PreflightItem, VehicleView } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { clockTime, coordinates } from '../format.ts';
import { GotoFacts } from '../goto-status.tsx';
import { isGotoActive, type GotoStore } from '../gotos.ts';
import { phrase, t, tOptional, type StringKey } from '../i18n.ts';
import { ApiError, outcomeReason, reasonSaid, requestJson } from '../live.ts';
import type { Projection } from '../projection.ts';
import { Said, sayServer } from '../said.tsx';
import { PanelSection } from '../ui/section.tsx';
import { checkName } from './launch.tsx';
import { Outcome, OutcomeLine, type OutcomeKind } from './outcome.tsx';
import { endMapPick, startMapPick } from '../map-pick.ts';

export interface GotoConsoleDeps {
  store: GotoStore;
  confirm: Confirm;
  map: L.Map;
  projection: Projection;
}

/** A point chosen, not yet sent: the checks for it, once read. */
interface Pending {
  vehicleId: string;
  target: LatLon;
  alertId: number | null;
  /** the incident's number, as the command room says it */
  number: string | null;
  checks: PreflightItem[] | null;
  at: number;
}

type GotoAction = 'return' | 'resume' | 'keep' | 'keepOff';
const ACTIONS: Record<GotoAction, { label: StringKey; question: StringKey; doIt: StringKey }> = {
  return: { label: 'gotoHome', question: 'confirmGotoHome', doIt: 'doGotoHome' },
  resume: { label: 'gotoResume', question: 'confirmGotoResume', doIt: 'doGotoResume' },
  keep: { label: 'gotoKeep', question: 'confirmGotoKeep', doIt: 'doGotoKeep' },
  keepOff: { label: 'gotoKeepOff', question: 'confirmGotoKeepOff', doIt: 'doGotoKeepOff' },
};
const outcomeText: Record<string, StringKey> = {
  accepted: 'outcomeAccepted',
  denied: 'outcomeDenied',
  timeout: 'outcomeTimeout',
  unconfirmed: 'outcomeUnconfirmed',
  cancelled: 'outcomeCancelled',
};

/** A goto check's name: its own where the launch's would mislead (idle, point, path…), else the launch's. */
export const gotoCheckName = (id: string) => tOptional(`gotoCheck_${id}`, checkName(id));

const url = (vehicleId: string, rest = '') => `/api/vehicles/${encodeURIComponent(vehicleId)}/goto${rest}`;

export class GotoConsole {
  readonly pending = signal<Pending | null>(null);
  /** the next map click is the point, for this drone */
  readonly picking = signal<string | null>(null);
  readonly busy = signal(false);
  readonly outcome = new Outcome();

  constructor(readonly deps: GotoConsoleDeps) {
    deps.map.on('click', (event: L.LeafletMouseEvent) => {
      const vehicleId = this.picking.value;
      if (vehicleId === null) return;
      this.stopPicking();
      // A GCJ-02 map's click is converted back: the service and the drone speak WGS-84.
      void this.prepare(vehicleId, deps.projection.fromMap(event.latlng.lat, event.latlng.lng), null, null);
    });
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.picking.value !== null) this.stopPicking();
    });
  }

  pickOnMap(vehicleId: string): void {
    startMapPick(this.endPick);
    this.picking.value = vehicleId;
    this.deps.map.getContainer().classList.add('is-picking');
  }

  /** Called off by another pick (an incident's spot) that took the next click. */
  private readonly endPick = () => this.stopPicking();

  stopPicking(): void {
    endMapPick(this.endPick);
    this.picking.value = null;
    this.deps.map.getContainer().classList.remove('is-picking');
  }

  /** Another drone is shown: what was chosen for the last one does not carry over. */
  reset(vehicleId: string): void {
    if (this.pending.value?.vehicleId !== vehicleId) this.pending.value = null;
    if (this.picking.value !== null && this.picking.value !== vehicleId) this.stopPicking();
    this.outcome.clear();
  }

  discard(): void {
    this.pending.value = null;
  }

  /** A point chosen (a map click or an incident): the service's checks for it are read at once. */
  async prepare(vehicleId: string, target: LatLon, alertId: number | null, number: string | null): Promise<void> {
    this.pending.value = { vehicleId, target, alertId, number, checks: null, at: Date.now() };
    await this.runChecks();
  }

  async runChecks(): Promise<void> {
    const p = this.pending.value;
    if (!p) return;
    this.busy.value = true;
    this.outcome.clear();
    try {
      // The same checks the send will run, the incident's among them when there is one.
      const incident = p.alertId !== null ? `&alertId=${p.alertId}` : '';
      const items = await requestJson<PreflightItem[]>('GET', url(p.vehicleId, `/checks?lat=${p.target.lat}&lon=${p.target.lon}${incident}`));
      if (this.pending.value === p) this.pending.value = { ...p, checks: items, at: Date.now() };
    } catch (error) {
      this.outcome.show('refused', 'gotoRefused', { reason: reasonSaid(error) });
    } finally {
      this.busy.value = false;
    }
  }

  ready(): boolean {
    const checks = this.pending.value?.checks;
    return !!checks && checks.every((c) => c.pass);
  }

  async send(view: VehicleView): Promise<void> {
    const p = this.pending.value;
    if (!p || p.vehicleId !== view.id || !p.checks) return;
    const where = p.number
      ? t('gotoPointIncident', { number: p.number, where: coordinates(p.target.lat, p.target.lon) })
      : coordinates(p.target.lat, p.target.lon);
    const alt = p.checks.find((c) => c.id === 'ceiling')?.said?.params?.alt ?? '';
    const confirmed = await this.deps.confirm({
      title: t('confirmGotoTitle'),
      message: t('confirmGoto', { drone: view.callsign, where, alt: String(alt) }),
      confirm: t('doGoto', { drone: view.callsign }),
      details: p.checks.map((c) => `✓ ${gotoCheckName(c.id)}: ${c.said ? sayServer(c.said) : c.value}`),
    });
    if (!confirmed) {
      this.outcome.show('cancelled', 'gotoNotSent');
      return;
    }
    this.busy.value = true;
    this.outcome.show('pending', 'gotoSending', { drone: view.callsign });
    try {
      const g = await requestJson<GotoView>('POST', url(view.id), {
        lat: p.target.lat,
        lon: p.target.lon,
        ...(p.alertId !== null ? { alertId: p.alertId } : {}),
        confirm: true,
      });
      this.deps.store.put(g);
      this.pending.value = null;
      this.outcome.show('accepted', 'gotoSent', { drone: view.callsign, id: g.id });
    } catch (error) {
      this.refused(p, error);
    } finally {
      this.busy.value = false;
    }
  }

  /** A refusal names the checks that failed, in the page's language, and shows them all again. */
  private refused(p: Pending, error: unknown): void {
    const checks = error instanceof ApiError ? (error.body as { checks?: PreflightItem[] } | undefined)?.checks : undefined;
    if (checks && this.pending.value === p) this.pending.value = { ...p, checks, at: Date.now() };
    const failed = checks?.filter((c) => !c.pass) ?? [];
    if (failed.length) this.outcome.show('refused', 'gotoRefusedChecks', { checks: () => failed.map((c) => gotoCheckName(c.id)).join(t('listSeparator')) });
    else this.outcome.show('refused', 'gotoRefused', { reason: reasonSaid(error) });
  }

  async act(action: GotoAction, view: VehicleView): Promise<void> {
    const a = ACTIONS[action];
    const drone = view.callsign;
    const confirmed = await this.deps.confirm({ title: t('confirmGotoActionTitle'), message: t(a.question, { drone }), confirm: t(a.doIt, { drone }) });
    const what = { action: phrase(a.label), drone };
    if (!confirmed) {
      this.outcome.show('cancelled', 'commandNotSent', what);
      return;
    }
    this.busy.value = true;
    this.outcome.show('pending', 'commandSending', what);
    try {
      if (action === 'keep' || action === 'keepOff') {
        this.deps.store.put(await requestJson<GotoView>('POST', url(view.id, '/keep-holding'), { keep: action === 'keep', confirm: true }));
        this.outcome.show('accepted', 'outcomeAccepted', what);
      } else {
        const answer = await requestJson<{ result: string; reason?: string; said?: unknown; goto: GotoView }>(
          'POST',
          url(view.id, action === 'return' ? '/return' : '/resume'),
          { confirm: true },
        );
        this.deps.store.put(answer.goto);
        this.report(answer, what);
      }
    } catch (error) {
      // 502: the autopilot's own answer; else refused by the service.
      const body = error instanceof ApiError ? (error.body as { result?: string; reason?: string; said?: unknown; goto?: GotoView } | undefined) : undefined;
      if (body?.goto) this.deps.store.put(body.goto);
      if (body?.result && body.result in outcomeText) this.report({ result: body.result, reason: body.reason, said: body.said }, what);
      else this.outcome.show('refused', 'outcomeRefused', { ...what, reason: reasonSaid(error) });
    } finally {
      this.busy.value = false;
    }
  }

  private report(answer: { result: string; reason?: string; said?: unknown }, what: { action: ReturnType<typeof phrase>; drone: string }): void {
    const key = outcomeText[answer.result] ?? 'outcomeRefused';
    this.outcome.show((answer.result in outcomeText ? answer.result : 'refused') as OutcomeKind, key, { ...what, reason: outcomeReason(answer) });
  }
}

/** One check as the launch's preflight lists it: passed or not, its name, what was measured. */
export function GotoCheckLine({ item }: { item: PreflightItem }) {
  return (
    <li class={`checklist__item checklist__item--${item.pass ? 'pass' : 'fail'}`} data-check={item.id} data-pass={String(item.pass)}>
      <span class='checklist__mark'>{item.pass ? '✓' : '✗'}</span>
      <span class='checklist__name'>{gotoCheckName(item.id)}</span>
      <span class='checklist__value'>
        <Said said={item.said} fallback={item.value} />
      </span>
      {!item.pass && <span class='checklist__blocks'>{t('blocksLaunch')}</span>}
    </li>
  );
}

/** The drone's goto while it lasts: the facts and the three confirmed choices. */
function Underway({ goto: g, c, view }: { goto: GotoView; c: GotoConsole; view: VehicleView }) {
  const busy = c.busy.value;
  const last = g.events.at(-1);
  return (
    <div class='goto-underway'>
      <GotoFacts goto={g} />
      {last && <p class='goto-underway__last'>{t('gotoLast', { event: `${clockTime(last.at)} ${sayServer(last.said)}` })}</p>}
      <div class='console__buttons console__buttons--grid'>
        <button type='button' class='button goto__home' data-goto-action='return' disabled={busy || view.link.lost} onClick={() => void c.act('return', view)}>
          {t('gotoHome')}
        </button>
        {g.leftPatrol && (
          <button
            type='button'
            class='button goto__resume'
            data-goto-action='resume'
            disabled={busy || view.link.lost}
            onClick={() => void c.act('resume', view)}
          >
            {t('gotoResume')}
          </button>
        )}
        <button
          type='button'
          class='button goto__keep'
          data-goto-action={g.keepHolding ? 'keepOff' : 'keep'}
          disabled={busy}
          onClick={() => void c.act(g.keepHolding ? 'keepOff' : 'keep', view)}
        >
          {t(g.keepHolding ? 'gotoKeepOff' : 'gotoKeep')}
        </button>
      </div>
    </div>
  );
}

export function GotoSection({ c, view, visible }: { c: GotoConsole; view: VehicleView; visible: boolean }) {
  const g = c.deps.store.forVehicle(view.id);
  const underway = g && isGotoActive(g) ? g : undefined;
  const pending = c.pending.value?.vehicleId === view.id ? c.pending.value : null;
  const picking = c.picking.value === view.id;
  const busy = c.busy.value;
  return (
    <PanelSection class='console-goto' title='sectionGoto' hidden={!visible}>
      {underway ? <Underway goto={underway} c={c} view={view} /> : (
        <>
          {g && (
            <p class='goto__ended' data-state={g.state}>
              {`${t(`goto_${g.state}` as StringKey)} · ${g.events.at(-1) ? sayServer(g.events.at(-1)!.said) : ''}`}
            </p>
          )}
          {picking ?
            (
              <p class='goto__picking' role='status'>
                {t('gotoPickHint')}
                <button type='button' class='button goto__pick-cancel' onClick={() => c.stopPicking()}>{t('gotoPickCancel')}</button>
              </p>
            ) :
            <button type='button' class='button goto__pick' disabled={busy} onClick={() => c.pickOnMap(view.id)}>{t('gotoPickPoint')}</button>}
          {pending && (
            <div class='goto__pending'>
              <p class='goto__point'>
                {pending.number ?
                  t('gotoPointIncident', { number: pending.number, where: coordinates(pending.target.lat, pending.target.lon) })
                  : t('gotoPoint', { where: coordinates(pending.target.lat, pending.target.lon) })}
              </p>
              <p class='launch__checked'>
                {pending.checks
                  ? t('checkedAt', { time: clockTime(pending.at), passed: pending.checks.filter((i) => i.pass).length, total: pending.checks.length })
                  : t('gotoChecking')}
              </p>
              <ol class='checklist goto__checks'>{pending.checks?.map((item) => <GotoCheckLine key={item.id} item={item} />)}</ol>
              <div class='console__buttons'>
                <button type='button' class='button goto__check' disabled={busy} onClick={() => void c.runChecks()}>{t('runChecks')}</button>
                <button type='button' class='button button--danger goto__send' disabled={busy || !c.ready()} onClick={() => void c.send(view)}>
                  {t('gotoSend')}
                </button>
                <button type='button' class='button goto__discard' disabled={busy} onClick={() => c.discard()}>{t('gotoDiscard')}</button>
              </div>
            </div>
          )}
        </>
      )}
      <OutcomeLine outcome={c.outcome} class='goto__outcome' />
    </PanelSection>
  );
}
