import { getDistance } from 'geolib';
import type { DispatchCandidate, GroundAlertView } from '../wire/types.ts';
import type { Officers } from './officers.ts';

/**
 * The officers a dispatcher may give an incident to, as the assign list shows them: every
 * enabled officer account (on duty or not: the dispatcher may call one in), with duty, phone,
 * the job they hold, and distance and ETA to the scene. Reachable officers on duty come first,
 * nearest (by ETA) first; then those on duty without a position or a reachable phone; then those
 * off duty, by name. Sorting off-duty or unreachable people among the near ones would invite a
 * tap on someone whose phone will not ring.
 */
export function dispatchCandidates(
  incident: GroundAlertView,
  accounts: { name: string; displayName: string }[],
  officers: Officers,
  settings: { assumedSpeedMps: number; phoneOfflineGraceMs: number },
): DispatchCandidate[] {
  const list = accounts.map(({ name, displayName }): DispatchCandidate => {
    const o = officers.get(name);
    const located = o !== undefined && o.lat !== null && o.lon !== null;
    const distanceM = located ? getDistance({ latitude: incident.lat, longitude: incident.lon }, { latitude: o.lat!, longitude: o.lon! }) : null;
    const speed = o?.speedMps && o.speedMps > 0.5 ? o.speedMps : settings.assumedSpeedMps;
    const d = incident.dispatch.find((x) => x.officer === name);
    const view = o && officers.view(o);
    return {
      name,
      displayName: o?.displayName || displayName,
      onDuty: o?.onDuty ?? false,
      phoneOnline: view?.phoneOnline ?? false,
      reachable: o !== undefined && officers.reachable(o, settings.phoneOfflineGraceMs),
      distanceM,
      etaS: distanceM === null ? null : Math.round(distanceM / speed),
      busyWith: view?.busyWith ?? null,
      alerted: d !== undefined && d.withdrawn === null,
      answer: d && d.withdrawn === null ? d.answer : null,
      station: officers.stationOf(name),
    };
  });
  const tier = (c: DispatchCandidate) => (!c.onDuty ? 2 : c.reachable && c.etaS !== null ? 0 : 1);
  return list.sort((a, b) => tier(a) - tier(b) || (a.etaS ?? Infinity) - (b.etaS ?? Infinity) || a.name.localeCompare(b.name));
}
