/**
 * The map's legend: what each kind of mark means, drawn by the same style rules as the marks
 * themselves (so a change of style shows here too), in the page's language. Folded by default,
 * so it covers no part of the map until asked.
 */

import * as L from 'leaflet';
import { followLanguage, t, type StringKey } from './i18n.ts';

const ARROW = '<svg class="legend__glyph" viewBox="-22 -22 44 44" aria-hidden="true"><path d="M0,-18 L13,14 L0,7 L-13,14 Z"/></svg>';
// Own class names (styled by the same rules as the marks, see style.css): pages and tests that count
// the map's marks (.drone, path.zone--fence, …) must not count the legend's.
const zone = (kind: string) =>
  `<svg class="legend__swatch" viewBox="0 0 24 16" aria-hidden="true"><path class="legend__zone legend__zone--${kind}" d="M2 2H22V14H2Z"/></svg>`;

const ENTRIES: Array<{ key: StringKey; swatch: string }> = [
  { key: 'legendDroneOk', swatch: `<span class="legend__icon legend__drone">${ARROW}</span>` },
  { key: 'legendDroneWarning', swatch: `<span class="legend__icon legend__drone legend__drone--warning">${ARROW}</span>` },
  { key: 'legendDroneLost', swatch: `<span class="legend__icon legend__drone legend__drone--lost">${ARROW}</span>` },
  { key: 'legendHome', swatch: '<span class="legend__icon"><span class="legend__home">H</span></span>' },
  {
    key: 'legendOfficer',
    swatch:
      '<span class="legend__icon"><svg class="legend__officer" viewBox="0 0 20 22" aria-hidden="true"><path d="M10 1 19 4v7c0 5-4 9-9 10C5 20 1 16 1 11V4z"/></svg></span>',
  },
  { key: 'legendIncident', swatch: '<span class="legend__icon"><span class="legend__incident">!</span></span>' },
  { key: 'legendRunRoute', swatch: '<svg class="legend__swatch" viewBox="0 0 24 16" aria-hidden="true"><path class="legend__run-route" d="M1 8H23"/></svg>' },
  { key: 'legendStationFence', swatch: zone('station-fence') },
  { key: 'legendNoFly', swatch: zone('station-nofly') },
  { key: 'legendRouteFence', swatch: zone('route-fence') },
];

export function addLegend(map: L.Map): void {
  const Legend = L.Control.extend({
    onAdd: () => {
      const root = L.DomUtil.create('details', 'legend');
      const summary = L.DomUtil.create('summary', 'legend__title', root);
      const list = L.DomUtil.create('ul', 'legend__list', root);
      const labels = ENTRIES.map(({ key, swatch }) => {
        const item = L.DomUtil.create('li', 'legend__item', list);
        item.dataset.legend = key;
        item.innerHTML = swatch;
        return { key, label: L.DomUtil.create('span', 'legend__label', item) };
      });
      L.DomEvent.disableClickPropagation(root);
      L.DomEvent.disableScrollPropagation(root);
      followLanguage(() => {
        summary.textContent = t('legendTitle');
        for (const { key, label } of labels) label.textContent = t(key);
      });
      return root;
    },
  });
  new Legend({ position: 'bottomleft' }).addTo(map);
}
