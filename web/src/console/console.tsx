/**
 * The drone panel's working part, above its telemetry: who is in command, the patrol in progress,
 * and for the pilot in command the launch form and flight commands. The command room sees the
 * first two and may raise a ground alert where the drone is; it gets no flight controls.
 *
 * Drawn by Preact from state (the drone shown, the runs, who holds which drone, each section's
 * own requests), so a redraw for new telemetry keeps what a request in progress has disabled, and
 * keeps the focus where it is; every text follows the language.
 */

import { signal } from '@preact/signals';
import { render } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { VehicleView } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { t } from '../i18n.ts';
import type { SessionUser } from '../login.ts';
import { isRunActive, type Ops } from '../ops.ts';
import { canFly, canRaiseAlerts } from '../roles.ts';
import type { RouteCatalog } from '../routes/catalog.ts';
import { Commands, CommandSection } from './commands.tsx';
import { Control, ControlSection } from './control.tsx';
import { GotoSection, type GotoConsole } from './goto.tsx';
import { Launch, LaunchSection } from './launch.tsx';
import { Outcome, OutcomeLine } from './outcome.tsx';
import { RunProgress } from './progress.tsx';
import { DroneVideoSection, type DroneVideo } from '../video/drone-video.tsx';

export interface ConsoleDeps {
  user: SessionUser;
  ops: Ops;
  catalog: RouteCatalog;
  confirm: Confirm;
  previewRoute(routeId: string | null): void;
  /** open the ground alert form at this drone's position */
  alertHere(vehicle: VehicleView): void;
  /** drone to the scene (无人机先行): the pilot's goto section */
  goto?: GotoConsole;
  /** the drone's live video, at the top of the panel (issue 16) */
  video?: DroneVideo;
}

export class DroneConsole {
  readonly element = document.createElement('div');
  readonly vehicle = signal<VehicleView | undefined>(undefined);
  readonly control: Control;
  readonly launch: Launch;
  readonly commands: Commands;
  /** what became of the last launch or command: in view whether or not the launch form is */
  readonly flightOutcome = new Outcome();
  /** asks the view to bring the launch form (or, before control is taken, the control section) into view */
  readonly scrollRequest = signal(0);
  private shown: string | null = null;

  constructor(readonly deps: ConsoleDeps) {
    this.control = new Control(deps.user, deps.ops, deps.confirm);
    this.launch = new Launch({ ops: deps.ops, catalog: deps.catalog, confirm: deps.confirm, preview: deps.previewRoute, outcome: this.flightOutcome });
    this.commands = new Commands(deps.confirm, this.flightOutcome);
    this.element.className = 'console';
    this.element.hidden = true;
    render(<ConsoleView console={this} />, this.element);
  }

  /** The drone whose panel is open (undefined: none, or no longer reported). */
  render(view: VehicleView | undefined): void {
    this.element.hidden = !view;
    if (view && this.shown !== view.id) {
      // What was said about the previous drone must not seem to be about this one.
      this.shown = view.id;
      this.control.outcome.clear();
      this.launch.reset();
      this.flightOutcome.clear();
      this.deps.goto?.reset(view.id);
    }
    this.vehicle.value = view;
    this.deps.video?.select(view?.id ?? null);
  }

  /**
   * Opens the launch form of the drone shown with this route picked (a due patrol's). A pilot not
   * yet in command sees the take-control button first; the form keeps the route for then.
   */
  prepareLaunch(routeId: string): void {
    void this.launch.preselect(routeId);
    this.scrollRequest.value++;
  }
}

function ConsoleView({ console: c }: { console: DroneConsole }) {
  const view = c.vehicle.value;
  const scroll = c.scrollRequest.value;
  const controlRef = useRef<HTMLElement>(null);
  const launchRef = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    if (scroll === 0) return;
    const launch = launchRef.current;
    (launch && !launch.hidden ? launch : controlRef.current)?.scrollIntoView({ block: 'nearest' });
  }, [scroll]);
  if (!view) return null;
  const { user, ops } = c.deps;
  ops.track('runs', 'control');
  const run = ops.latestRun(view.id);
  const active = run !== undefined && isRunActive(run);
  const holder = ops.control[view.id];
  const inCommand = canFly(user) && holder === user.name;
  return (
    <>
      {c.deps.video && <DroneVideoSection video={c.deps.video} view={view} />}
      <ControlSection control={c.control} vehicleId={view.id} callsign={view.callsign} hint={canFly(user) && holder === undefined} sectionRef={controlRef} />
      {/* The commands and what became of them first: in flight they are what the pilot needs at hand. */}
      {/* A drone standing disarmed with no patrol has nothing to pause, resume, return or land. */}
      <CommandSection commands={c.commands} view={view} run={active ? run : undefined} visible={inCommand && (view.armed || active)} />
      <OutcomeLine outcome={c.flightOutcome} class='console__outcome' />
      {c.deps.goto && <GotoSection c={c.deps.goto} view={view} visible={inCommand} />}
      <RunProgress run={run} />
      <LaunchSection launch={c.launch} view={view} visible={inCommand && !active} sectionRef={launchRef} />
      <button type='button' class='button console__here' hidden={!canRaiseAlerts(user) || !view.position} onClick={() => c.deps.alertHere(view)}>
        {t('alertHere')}
      </button>
    </>
  );
}
