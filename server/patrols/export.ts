import type { TrackPoint } from '../store/tracks.ts';
import type { RunView } from '../wire/types.ts';

const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
const title = (run: RunView) => `SkyBeat run ${run.id}: ${run.routeName.en} (${run.vehicleId}, ${run.pilot})`;

/** GPX 1.1 track; elevation is AMSL as GPX expects. */
export function toGpx(run: RunView, points: TrackPoint[]): string {
  const pts = points.map((p) =>
    `      <trkpt lat="${p.lat.toFixed(7)}" lon="${p.lon.toFixed(7)}">${p.altMsl === null ? '' : `<ele>${p.altMsl.toFixed(1)}</ele>`}<time>${
      new Date(p.time).toISOString()
    }</time></trkpt>`
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="SkyBeat" xmlns="http://www.topografix.com/GPX/1/1">
  <metadata><name>${esc(title(run))}</name><time>${new Date(run.startedAt).toISOString()}</time></metadata>
  <trk>
    <name>${esc(title(run))}</name>
    <trkseg>
${pts.join('\n')}
    </trkseg>
  </trk>
</gpx>
`;
}

/** KML LineString with absolute altitudes, for Google Earth and GIS tools. */
export function toKml(run: RunView, points: TrackPoint[]): string {
  const coords = points.map((p) => `${p.lon.toFixed(7)},${p.lat.toFixed(7)},${(p.altMsl ?? 0).toFixed(1)}`).join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
  <Document>
    <name>${esc(title(run))}</name>
    <Placemark>
      <name>${esc(title(run))}</name>
      <TimeSpan><begin>${new Date(run.startedAt).toISOString()}</begin>${run.endedAt ? `<end>${new Date(run.endedAt).toISOString()}</end>` : ''}</TimeSpan>
      <LineString><altitudeMode>absolute</altitudeMode><coordinates>${coords}</coordinates></LineString>
    </Placemark>
  </Document>
</kml>
`;
}
