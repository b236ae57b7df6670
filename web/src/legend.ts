/**
 * The map's legend: what each kind of mark means, drawn with the same classes as the marks
 * themselves (so a change of style shows here too), in the page's language. Folded by default,
 * so it covers no part of the map until asked.
 */

import * as L from 'leaflet';
import { followLanguage, t, type StringKey } from './i18n.ts';

const ARROW = '<path class="drone__arrow" d="M0,-18 L13,14 L0,7 L-13,14 Z"/>';
/** a small square of map with a zone's edge and fill, as the zone is drawn */
const zone = (classes: string) => `<svg class="legend__swatch" viewBox="0 0 24 16" aria-hidden="true"><path class="${classes}" d="M2 2H22V14H2Z"/></svg>`;
const line = (classes: string, dash = '') => `<svg class="legend__swatch" viewBox="0 0 24 16" aria-hidden="true"><path class="${classes}" d="M1 8H23"${dash ? ` stroke-dasharray="${dash}"` : ''}/></svg>`;

const ENTRIES: Array<{ key: StringKey; swatch: string }> = [
  { key: 'legendDroneOk', swatch: `<span class="legend__icon drone"><svg class="drone__glyph" viewBox="-22 -22 44 44" aria-hidden="true">${ARROW}</svg></span>` },
  { key: 'legendDroneWarning', swatch: `<span class="legend__icon drone drone--warning"><svg class="drone__glyph" viewBox="-22 -22 44 44" aria-hidden="true">${ARROW}</svg></span>` },
  { key: 'legendDroneLost', swatch: `<span class="legend__icon drone drone--lost"><svg class="drone__glyph" viewBox="-22 -22 44 44" aria-hidden="true">${ARROW}</svg></span>` },
  { key: 'legendHome', swatch: '<span class="legend__icon"><span class="home-pad">H</span></span>' },
  { key: 'legendOfficer', swatch: '<span class="legend__icon officer"><svg class="officer__badge" viewBox="0 0 20 22" aria-hidden="true"><path d="M10 1 19 4v7c0 5-4 9-9 10C5 20 1 16 1 11V4z"/></svg></span>' },
  { key: 'legendIncident', swatch: '<span class="legend__icon ground-alert"><span class="ground-alert__pin">!</span></span>' },
  { key: 'legendRunRoute', swatch: line('run-route run-route--current') },
  { key: 'legendStationFence', swatch: zone('zone zone--station zone--fence') },
  { key: 'legendNoFly', swatch: zone('zone zone--station zone--nofly') },
  { key: 'legendRouteFence', swatch: zone('zone zone--fence') },
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
