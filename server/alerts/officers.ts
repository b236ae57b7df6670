import { EventEmitter } from 'node:events';
import { getDistance } from 'geolib';
import type { OfficerView } from '../wire/types.ts';

interface Officer extends OfficerView {
  /** smoothed ground speed from successive fixes, for an ETA */
  speedMps: number | null;
  /** the fix the next speed is measured from */
  speedBase: { lat: number; lon: number; at: number } | null;
  /** phones connected now (an officer may have two) */
  phones: number;
  /** last sign of life: a phone going away, or a duty or location update */
  lastSeen: number | null;
}

/** A change of an officer's state where it happened, as sent to a city's other nodes (apply()). */
export type OfficerOp =
  | { op: 'connected'; name: string; displayName: string }
  | { op: 'disconnected'; name: string; at: number }
  | { op: 'duty'; name: string; displayName: string; onDuty: boolean; at: number }
  | { op: 'location'; name: string; lat: number; lon: number; accuracyM: number | null; at: number };

/**
 * Officers on duty and where their phones say they are. Kept in memory on purpose: a position
 * is only useful fresh, and phones send it again as soon as they reconnect.
 */
export class Officers extends EventEmitter<{ changed: [OfficerView]; op: [OfficerOp] }> {
  private readonly all = new Map<string, Officer>();
  /** set while another node's change is applied: it is not sent on again */
  private applying = false;
  busyWith: (name: string) => number | null = () => null;
  /**
   * Is this account still an enabled officer? Answered from the accounts kept in memory
   * (auth/officer-accounts.ts), which accountsCurrent() brings up to date before officers are
   * chosen for an incident, so an account disabled, removed or demoted — here, by `npm run users`
   * or on another server — is never dispatched, even within the grace a dropped phone gets.
   */
  mayServe: (name: string) => boolean = () => true;
  accountsCurrent: () => Promise<void> = () => Promise.resolve();
  /** the station an officer works for (their account's scope), null for the city's: shown beside them wherever they are listed */
  stationOf: (name: string) => string | null = () => null;

  private entry(name: string, displayName = ''): Officer {
    let o = this.all.get(name);
    if (!o) {
      o = {
        name,
        displayName,
        onDuty: false,
        lat: null,
        lon: null,
        accuracyM: null,
        updatedAt: null,
        busyWith: null,
        phoneOnline: false,
        speedMps: null,
        speedBase: null,
        phones: 0,
        lastSeen: null,
      };
      this.all.set(name, o);
    }
    return o;
  }

  phoneConnected(name: string, displayName: string): OfficerView {
    const o = this.entry(name, displayName);
    o.phones++;
    const view = this.view(o);
    this.emit('changed', view);
    this.told({ op: 'connected', name, displayName });
    return view;
  }

  /**
   * In a city every node keeps the same officers, whichever node their phones reach: each change is
   * told ('op') where it happened and applied on the others, so the desk dispatches from all of them.
   */
  apply(op: OfficerOp): void {
    this.applying = true;
    try {
      if (op.op === 'connected') this.phoneConnected(op.name, op.displayName);
      else if (op.op === 'disconnected') this.phoneDisconnected(op.name, op.at);
      else if (op.op === 'duty') this.setDuty(op.name, op.displayName, op.onDuty, op.at);
      else this.setLocation(op.name, op.lat, op.lon, op.accuracyM, op.at);
    } finally {
      this.applying = false;
    }
  }

  private told(op: OfficerOp): void {
    if (!this.applying) this.emit('op', op);
  }

  phoneDisconnected(name: string, now = Date.now()): void {
    const o = this.entry(name);
    o.phones = Math.max(0, o.phones - 1);
    o.lastSeen = now;
    this.emit('changed', this.view(o));
    this.told({ op: 'disconnected', name, at: now });
  }

  /**
   * Can an offer reach them? A connected phone, or a sign of life within graceMs: a phone that
   * dropped a moment ago (a tunnel, a lift, a cell handover) gets the offer when it reconnects,
   * and a client on the REST API alone counts while it keeps reporting.
   */
  reachable(o: Officer, graceMs: number, now = Date.now()): boolean {
    return o.phones > 0 || (o.lastSeen !== null && now - o.lastSeen < graceMs);
  }

  setDuty(name: string, displayName: string, onDuty: boolean, now = Date.now()): void {
    const o = this.entry(name, displayName);
    o.displayName = displayName;
    o.onDuty = onDuty;
    o.lastSeen = now;
    this.emit('changed', this.view(o));
    this.told({ op: 'duty', name, displayName, onDuty, at: now });
  }

  setLocation(name: string, lat: number, lon: number, accuracyM: number | null, now = Date.now()): void {
    const o = this.entry(name);
    // Speed only from fixes at least 2 s apart, and only if plausible on a street: phone
    // positions jump by tens of metres, which over a short interval reads as a rocket.
    const base = o.speedBase;
    if (!base || now - base.at > 60_000) o.speedBase = { lat, lon, at: now };
    else if (now - base.at >= 2000) {
      const v = getDistance({ latitude: base.lat, longitude: base.lon }, { latitude: lat, longitude: lon }, 0.1) / ((now - base.at) / 1000);
      if (v < 40) o.speedMps = o.speedMps === null ? v : 0.7 * o.speedMps + 0.3 * v;
      o.speedBase = { lat, lon, at: now };
    }
    Object.assign(o, { lat, lon, accuracyM, updatedAt: now, lastSeen: now });
    this.emit('changed', this.view(o));
    this.told({ op: 'location', name, lat, lon, accuracyM, at: now });
  }

  get(name: string): Officer | undefined {
    return this.all.get(name);
  }

  /** On duty with a known position, nearest first, with distances in metres. */
  nearest(lat: number, lon: number): { officer: Officer; distanceM: number }[] {
    return [...this.all.values()]
      .filter((o) => o.onDuty && o.lat !== null && o.lon !== null && this.mayServe(o.name))
      .map((o) => ({ officer: o, distanceM: getDistance({ latitude: lat, longitude: lon }, { latitude: o.lat!, longitude: o.lon! }) }))
      .sort((a, b) => a.distanceM - b.distanceM);
  }

  view(o: Officer): OfficerView {
    const { speedMps: _speed, speedBase: _base, phones, lastSeen: _seen, ...rest } = o;
    return { ...rest, busyWith: this.busyWith(o.name), phoneOnline: phones > 0, station: this.stationOf(o.name) };
  }

  list(): OfficerView[] {
    return [...this.all.values()].map((o) => this.view(o));
  }
}
