/** The sidebar's tabs: drones, alerts, routes, history, stations for the city's people, and admin for admins. One panel shows at a time. */

export type TabName = 'drones' | 'alerts' | 'routes' | 'history' | 'stations' | 'admin';

export class Tabs {
  private readonly listeners: Array<(tab: TabName) => void> = [];

  constructor(private readonly root: HTMLElement) {
    root.querySelector('[role="tablist"]')!.addEventListener('click', (event) => {
      const tab = (event.target as Element).closest<HTMLElement>('[data-tab]');
      if (tab) this.show(tab.dataset.tab as TabName);
    });
  }

  onShow(listener: (tab: TabName) => void): void {
    this.listeners.push(listener);
  }

  show(name: TabName): void {
    for (const tab of this.root.querySelectorAll<HTMLElement>('[data-tab]')) {
      tab.setAttribute('aria-selected', String(tab.dataset.tab === name));
    }
    for (const panel of this.root.querySelectorAll<HTMLElement>('[data-panel]')) panel.hidden = panel.dataset.panel !== name;
    for (const listener of this.listeners) listener(name);
  }

  badge(name: TabName, count: number): void {
    const badge = this.root.querySelector<HTMLElement>(`[data-tab="${name}"] .tab__badge`);
    if (!badge) return;
    badge.textContent = String(count);
    badge.hidden = count === 0;
  }
}
