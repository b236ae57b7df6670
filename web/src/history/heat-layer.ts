/**
 * A heat map of points on its own canvas: each point stamps a soft blob of alpha, and the summed
 * alpha is coloured from blue (few) through yellow to red (many) — as command rooms read a map
 * of the past weeks' incidents when planning the night's patrols. Redrawn after each pan or zoom.
 */

import * as L from 'leaflet';

const RADIUS_PX = 22;
const BLUR_PX = 16;
/** Where each colour sits on the scale of summed alpha: the layer paints with it and the legend shows it. */
export const HEAT_STOPS: Array<[number, string]> = [[0.15, '#2b6cff'], [0.4, '#20d0e0'], [0.6, '#40e060'], [0.8, '#ffe040'], [1, '#ff3020']];

function stamp(): HTMLCanvasElement {
  const r = RADIUS_PX + BLUR_PX;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = r * 2;
  const ctx = canvas.getContext('2d')!;
  // A shadow of a circle drawn outside the canvas: the classic cheap Gaussian-like blob.
  ctx.shadowOffsetX = ctx.shadowOffsetY = r * 2;
  ctx.shadowBlur = BLUR_PX;
  ctx.shadowColor = 'black';
  ctx.beginPath();
  ctx.arc(-r, -r, RADIUS_PX, 0, Math.PI * 2);
  ctx.fill();
  return canvas;
}

function palette(): Uint8ClampedArray {
  const canvas = document.createElement('canvas');
  canvas.width = 256;
  canvas.height = 1;
  const ctx = canvas.getContext('2d')!;
  const gradient = ctx.createLinearGradient(0, 0, 256, 0);
  for (const [at, colour] of HEAT_STOPS) gradient.addColorStop(at, colour);
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, 256, 1);
  return ctx.getImageData(0, 0, 256, 1).data;
}

export class HeatLayer extends L.Layer {
  private canvas: HTMLCanvasElement | null = null;
  private readonly blob = stamp();
  private readonly colours = palette();

  /** points as drawn on the map (already projected for display) */
  constructor(private points: L.LatLng[]) {
    super();
  }

  setPoints(points: L.LatLng[]): void {
    this.points = points;
    this.redraw();
  }

  override onAdd(map: L.Map): this {
    this.canvas = L.DomUtil.create('canvas', 'heat-layer leaflet-zoom-hide') as HTMLCanvasElement;
    map.getPanes().overlayPane.appendChild(this.canvas);
    map.on('moveend zoomend resize', this.redraw, this);
    this.redraw();
    return this;
  }

  override onRemove(map: L.Map): this {
    this.canvas?.remove();
    this.canvas = null;
    map.off('moveend zoomend resize', this.redraw, this);
    return this;
  }

  private redraw(): void {
    const map = this._map as L.Map | undefined;
    const canvas = this.canvas;
    if (!map || !canvas) return;
    const size = map.getSize();
    canvas.width = size.x;
    canvas.height = size.y;
    L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.clearRect(0, 0, size.x, size.y);
    const r = RADIUS_PX + BLUR_PX;
    let drawn = 0;
    // A few points overlapping make a hot spot; one alone shows faintly.
    ctx.globalAlpha = 0.35;
    for (const point of this.points) {
      const p = map.latLngToContainerPoint(point);
      if (p.x < -r || p.y < -r || p.x > size.x + r || p.y > size.y + r) continue;
      ctx.drawImage(this.blob, p.x - r, p.y - r);
      drawn++;
    }
    canvas.dataset.points = String(drawn);
    if (drawn === 0 || size.x === 0 || size.y === 0) return;
    const image = ctx.getImageData(0, 0, size.x, size.y);
    const px = image.data;
    for (let i = 3; i < px.length; i += 4) {
      const alpha = px[i]!;
      if (alpha === 0) continue;
      const c = alpha * 4;
      px[i - 3] = this.colours[c]!;
      px[i - 2] = this.colours[c + 1]!;
      px[i - 1] = this.colours[c + 2]!;
      px[i] = Math.min(255, 60 + alpha);
    }
    ctx.putImageData(image, 0, 0);
  }
}
