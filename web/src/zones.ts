/**
 * The station's airspace on the map: the geofence drones must stay inside, and the no-fly zones.
 * Drawn apart from a route's own fence (a .plan's, shown with the route): the station's rules
 * hold for every flight, a route's only for its own.
 */

import * as L from 'leaflet';
import type { StationView, ZoneView } from '../../server/wire/types.ts';
import type { Projection } from './projection.ts';

export function drawStationZones(map: L.Map, renderer: L.Renderer, projection: Projection, station: StationView): L.FeatureGroup {
  // zone--station tells them from a route's zone--fence and zone--nofly (styled apart, see the legend).
  const polygon = (zone: ZoneView, kind: 'fence' | 'nofly') =>
    L.polygon(zone.polygon.map((v) => projection.toMap(v.lat, v.lon)), { renderer, className: `zone zone--station zone--${kind}`, interactive: true })
      .bindTooltip(zone.name, { sticky: true, className: 'zone-tip' });
  const layers = [
    ...(station.geofence ? [polygon(station.geofence, 'fence')] : []),
    ...station.noFly.map((zone) => polygon(zone, 'nofly')),
  ];
  return L.featureGroup(layers).addTo(map);
}
