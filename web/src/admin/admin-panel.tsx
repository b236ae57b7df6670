/**
 * The admin tab (admins only): the accounts (账号管理: add, change roles, station and name shown,
 * enable or disable, a new password, remove; the users command, npm run users, does the same from
 * the shell) and each drone's camera source.
 */
import { render } from 'preact';
import type { Confirm } from '../confirm.ts';
import type { StationDirectory } from '../stations/directory.ts';
import { AccountsView } from './accounts-view.tsx';
import { Accounts } from './accounts.ts';
import { CameraSources, CameraSourcesView } from './camera-sources.tsx';

/** While the tab is open the list is read again this often: sources switch and change health by themselves. */
const REFRESH_MS = 3000;

export interface AdminPanelDeps {
  /** the stations an account may work for, and their names */
  stations: StationDirectory;
  confirm: Confirm;
  /** the admin's own name: their account cannot be removed from here */
  me: string;
}

export class AdminPanel {
  readonly cameras = new CameraSources();
  readonly accounts: Accounts;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(root: HTMLElement, private readonly deps: AdminPanelDeps) {
    this.accounts = new Accounts(deps.confirm);
    render(
      <>
        <AccountsView accounts={this.accounts} stations={deps.stations} me={deps.me} />
        <CameraSourcesView cameras={this.cameras} />
      </>,
      root,
    );
  }

  /** The tab was opened: both lists are read now; the cameras' again while it stays open (the accounts only change when someone changes them: read again at the next opening). */
  shown(): void {
    void this.accounts.refresh();
    // A station added to the city since: its name for the scopes (the ids are shown meanwhile, and if it fails).
    this.deps.stations.refresh().catch(() => {});
    void this.cameras.refresh();
    this.timer ??= setInterval(() => void this.cameras.refresh(), REFRESH_MS);
  }

  hidden(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
