import type { TrackStore } from '../store/tracks.ts';
import type { Fleet } from './fleet.ts';

/** Writes every heard vehicle's position once a second (the track) and keeps the vehicle list. */
export function startTrackRecorder(fleet: Fleet, store: TrackStore, periodMs = 1000): () => void {
  const timer = setInterval(() => {
    const now = Date.now();
    const heard = [...fleet.vehicles.values()].filter((v) => !v.lost && now - v.lastHeard < periodMs * 2);
    const points = heard.filter((v) => v.position).map((v) => ({
      vehicleId: v.id,
      time: now,
      lat: v.position!.lat,
      lon: v.position!.lon,
      altMsl: v.position!.altMsl,
      altRel: v.position!.altRel,
      heading: v.heading,
      speed: v.groundSpeed,
      battery: v.battery?.percent ?? null,
      mode: v.mode,
      armed: v.armed,
    }));
    const view = heard.map((v) => ({ id: v.id, sysid: v.sysid, linkUri: v.linkUri, autopilot: v.autopilot, type: v.typeName }));
    if (points.length || view.length) store.record(points, view, now);
  }, periodMs);
  return () => clearInterval(timer);
}
