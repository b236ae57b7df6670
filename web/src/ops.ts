/**
 * Everything live besides the drones themselves: patrol runs, who holds which drone, aircraft and
 * ground alerts, the officers on duty, and the scheduled patrols due soon. The map's layers
 * subscribe to a topic with on(); a view calls track(topic) while it draws and is drawn again
 * after the next change (at most once a frame). Nothing here touches the DOM.
 */

import { signal, type Signal } from '@preact/signals-core';

import { RUN_ENDED, type AircraftAlertView, type DuePatrol, type GroundAlertView, type OfficerView, type RunView } from '../../server/wire/types.ts';
import { renderNextFrame } from './frame.ts';
import type { LiveSocket } from './live.ts';

const TOPICS = ['runs', 'control', 'aircraft', 'ground', 'officers', 'due'] as const;
export type OpsTopic = (typeof TOPICS)[number];

export const isRunActive = (run: RunView) => !RUN_ENDED.includes(run.state);

export class Ops {
  readonly runs = new Map<number, RunView>();
  /** vehicle id → the pilot in command */
  control: Record<string, string> = {};
  readonly aircraft = new Map<number, AircraftAlertView>();
  readonly ground = new Map<number, GroundAlertView>();
  readonly officers = new Map<string, OfficerView>();
  /** scheduled patrols due soon, soonest first (the service always sends the whole list) */
  due: DuePatrol[] = [];
  private dueFromLive = false;
  private readonly listeners = new Map<OpsTopic, Array<() => void>>();
  /** topics whose next message is the full list sent on (re)connection */
  private readonly resync = new Set<OpsTopic>();
  /** per topic: a count of changes that views read, and its bump for the next frame */
  private readonly revisions = Object.fromEntries(TOPICS.map((topic) => {
    const revision = signal(0);
    return [topic, { revision, bump: () => void revision.value++ }];
  })) as Record<OpsTopic, { revision: Signal<number>; bump: () => void }>;

  /** Read while a view draws: the view is drawn again after the topic's next change. */
  track(...topics: OpsTopic[]): void {
    for (const topic of topics) void this.revisions[topic].revision.value;
  }

  on(topic: OpsTopic, listener: () => void): void {
    this.listeners.set(topic, [...(this.listeners.get(topic) ?? []), listener]);
  }

  attach(socket: LiveSocket): void {
    // The service sends the full lists right after each connection, then changes one by one.
    socket.on('connect', () => ['runs', 'aircraft', 'ground', 'officers'].forEach((t) => this.resync.add(t as OpsTopic)));
    socket.on('runs', (runs) => this.merge('runs', this.runs, runs, (r) => r.id, () => true));
    socket.on('control', (holders) => this.setControl(holders, false));
    // Aircraft alerts leave the list once their condition is over and someone has acknowledged them.
    socket.on(
      'alerts:aircraft',
      (alerts) => this.merge('aircraft', this.aircraft, alerts, (a) => a.id, (a) => a.clearedAt === null || a.acknowledgedBy === null),
    );
    socket.on('alerts:ground', (alerts) => this.merge('ground', this.ground, alerts, (a) => a.id, (a) => a.state !== 'closed'));
    socket.on('officers', (officers) => this.merge('officers', this.officers, officers, (o) => o.name, (o) => o.onDuty));
    socket.on('patrols:due', (due) => {
      this.dueFromLive = true;
      this.setDue(due);
    });
  }

  /** The due list read over REST at start: the live stream's, if it came first, is newer. */
  seedDue(due: DuePatrol[]): void {
    if (!this.dueFromLive) this.setDue(due);
  }

  /** The run to show for a drone: the one in progress, else the last one seen this session. */
  latestRun(vehicleId: string): RunView | undefined {
    let latest: RunView | undefined;
    for (const run of this.runs.values()) {
      if (run.vehicleId === vehicleId && (!latest || run.id > latest.id)) latest = run;
    }
    return latest;
  }

  /**
   * The alert an officer is working on, from the alerts themselves: the officers list is sent when
   * an officer moves or goes on duty, not when they accept a job.
   */
  busyWith(officer: string): number | null {
    for (const alert of this.ground.values()) {
      if (alert.assignee?.officer === officer && ['accepted', 'en_route', 'on_scene'].includes(alert.state)) return alert.id;
    }
    return null;
  }

  activeRuns(): RunView[] {
    return [...this.runs.values()].filter(isRunActive);
  }

  /** local: our own request's answer, drawn at once (with the request's end); else the live stream's */
  setControl(holders: Record<string, string>, local = true): void {
    this.control = holders;
    this.emit('control', local);
  }

  private setDue(due: DuePatrol[]): void {
    this.due = due;
    this.emit('due');
  }

  /**
   * A change made here (an answer to our own request) before the live stream reports it: views
   * draw it together with the end of the request, so a button is never free before it shows.
   */
  putRun(run: RunView): void {
    this.merge('runs', this.runs, [run], (r) => r.id, () => true, true);
  }

  putGround(alert: GroundAlertView): void {
    this.merge('ground', this.ground, [alert], (a) => a.id, (a) => a.state !== 'closed', true);
  }

  putAircraft(alert: AircraftAlertView): void {
    this.merge('aircraft', this.aircraft, [alert], (a) => a.id, (a) => a.clearedAt === null || a.acknowledgedBy === null, true);
  }

  private merge<K, V>(topic: OpsTopic, into: Map<K, V>, items: V[], key: (v: V) => K, keep: (v: V) => boolean, local = false): void {
    if (this.resync.delete(topic)) {
      // Finished runs are kept (their result still shows); a run in progress missing from the full
      // list ended while we were away, and anything else missing from it is over.
      for (const [k, v] of into) if (topic !== 'runs' || isRunActive(v as RunView)) into.delete(k);
    }
    for (const item of items) {
      if (keep(item)) into.set(key(item), item);
      else into.delete(key(item));
    }
    this.emit(topic, local);
  }

  private emit(topic: OpsTopic, now = false): void {
    for (const listener of this.listeners.get(topic) ?? []) listener();
    // However many messages a frame brings, the views of a topic draw once.
    if (now) this.revisions[topic].bump();
    else renderNextFrame(this.revisions[topic].bump);
  }
}
