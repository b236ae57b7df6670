/**
 * The admin tab (admins only): for now, each drone's camera source. Accounts are still managed
 * with the users command (npm run users) and the API (/api/users).
 */
import { render } from 'preact';
import { CameraSources, CameraSourcesView } from './camera-sources.tsx';

/** While the tab is open the list is read again this often: sources switch and change health by themselves. */
const REFRESH_MS = 3000;

export class AdminPanel {
  readonly cameras = new CameraSources();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(root: HTMLElement) {
    render(<CameraSourcesView cameras={this.cameras} />, root);
  }

  /** The tab was opened: the list is read now and while it stays open. */
  shown(): void {
    void this.cameras.refresh();
    this.timer ??= setInterval(() => void this.cameras.refresh(), REFRESH_MS);
  }

  hidden(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
