/**
 * The drone panel's working part, above its telemetry: who is in command, the patrol in progress,
 * and for the pilot in command the launch form and flight commands. The command room sees the
 * first two and may raise a ground alert where the drone is; it gets no flight controls.
 */

import type { VehicleView } from '../../../server/wire/types.ts';
import type { Confirm } from '../confirm.ts';
import { button, make, setHidden } from '../dom.ts';
import type { SessionUser } from '../login.ts';
import { isRunActive, type Ops } from '../ops.ts';
import { canFly, canRaiseAlerts } from '../roles.ts';
import type { RouteCatalog } from '../routes/catalog.ts';
import { CommandSection } from './commands.ts';
import { ControlSection } from './control.ts';
import { LaunchSection } from './launch.ts';
import { OutcomeLine } from './outcome.ts';
import { RunProgress } from './progress.ts';

export interface ConsoleDeps {
  user: SessionUser;
  ops: Ops;
  catalog: RouteCatalog;
  confirm: Confirm;
  previewRoute(routeId: string | null): void;
  /** open the ground alert form at this drone's position */
  alertHere(vehicle: VehicleView): void;
}

export class DroneConsole {
  readonly element = make('div', 'console');
  private readonly control: ControlSection;
  private readonly progress = new RunProgress();
  private readonly launch: LaunchSection;
  private readonly commands: CommandSection;
  private readonly flightOutcome = new OutcomeLine();
  private readonly notInCommand = make('p', 'console__hint console__not-in-command');
  private readonly here = button('button console__here', 'alertHere');
  private shown: string | null = null;
  private view: VehicleView | null = null;

  constructor(private readonly deps: ConsoleDeps) {
    this.control = new ControlSection(deps.user, deps.ops);
    this.launch = new LaunchSection({ ops: deps.ops, catalog: deps.catalog, confirm: deps.confirm, preview: deps.previewRoute, outcome: this.flightOutcome });
    this.commands = new CommandSection(deps.confirm, this.flightOutcome);
    this.notInCommand.dataset.i18n = 'takeControlFirst';
    this.flightOutcome.element.classList.add('console__outcome');
    this.here.hidden = !canRaiseAlerts(deps.user);
    this.here.addEventListener('click', () => {
      if (this.view) deps.alertHere(this.view);
    });
    this.control.element.append(this.notInCommand);
    // The commands and what became of them first: in flight they are what the pilot needs at hand.
    this.element.append(this.control.element, this.commands.element, this.flightOutcome.element, this.progress.element, this.launch.element, this.here);
  }

  render(view: VehicleView | undefined): void {
    setHidden(this.element, !view);
    if (!view) return;
    if (this.shown !== view.id) {
      // What was said about the previous drone must not seem to be about this one.
      this.shown = view.id;
      this.control.reset();
      this.launch.reset();
      this.flightOutcome.clear();
    }
    this.view = view;
    const { user, ops } = this.deps;
    const run = ops.latestRun(view.id);
    const active = run !== undefined && isRunActive(run);
    const inCommand = canFly(user) && ops.control[view.id] === user.name;
    this.control.render(view.id, view.callsign);
    setHidden(this.notInCommand, !canFly(user) || inCommand || ops.control[view.id] !== undefined);
    this.progress.render(run);
    // A drone standing disarmed with no patrol has nothing to pause, resume, return or land.
    this.commands.render(view, active ? run : undefined, inCommand && (view.armed || active));
    this.launch.render(view, inCommand && !active);
    setHidden(this.here, !canRaiseAlerts(user) || !view.position);
  }

  /**
   * Opens the launch form of the drone shown with this route picked (a due patrol's). A pilot not
   * yet in command sees the take-control button first; the form keeps the route for then.
   */
  prepareLaunch(routeId: string): void {
    this.launch.preselect(routeId);
    const shown = this.launch.element.hidden ? this.control.element : this.launch.element;
    shown.scrollIntoView({ block: 'nearest' });
  }

  relabel(): void {
    this.progress.relabel();
    this.launch.fillRoutes();
  }
}
