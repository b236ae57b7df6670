/**
 * The patrol routes the service keeps (GET /api/routes), with each route's detail fetched once
 * and kept until the list is read again. Shared by the routes tab, the launch form and the map;
 * a view that reads list() while it draws is drawn again when the list changes.
 */

import { signal } from '@preact/signals-core';
import type { MessageParam, ServerMessage } from '../../../server/wire/messages.ts';
import type { RouteRules } from '../../../server/wire/route-rules.ts';
import type { RouteSummary } from '../../../server/wire/types.ts';
import { getLocale } from '../i18n.ts';
import { requestJson } from '../live.ts';

export type { RouteSummary };

/** A mission item as JSON (the service's NaN "unset" travels as null). */
export interface RouteItemJson {
  command: number;
  frame: number;
  params: [number | null, number | null, number | null, number | null];
  lat: number | null;
  lon: number | null;
  alt: number | null;
  autocontinue: boolean;
}

export interface RouteJson {
  id: string;
  meta: { nameZh: string; nameEn: string; station: string; defaultDrone: string; schedule: string; notes: string };
  vehicleType: number;
  plannedHome: { lat: number; lon: number; alt: number } | null;
  items: RouteItemJson[];
  fence: {
    polygons: { inclusion: boolean; vertices: { lat: number; lon: number }[] }[];
    circles: { inclusion: boolean; lat: number; lon: number; radius: number }[];
    returnPoint: { lat: number; lon: number; alt: number } | null;
  };
  rally: { lat: number; lon: number; alt: number }[];
}

export interface RouteFeature {
  type: 'Feature';
  geometry: { type: 'Point' | 'LineString' | 'Polygon'; coordinates: unknown };
  properties: {
    kind: 'path' | 'item' | 'home' | 'fence' | 'fence-circle' | 'rally';
    index?: number;
    seq?: number;
    command?: number;
    name?: string;
    alt?: number | null;
    inclusion?: boolean;
    radius?: number;
  };
}

export interface RouteIssue {
  level: 'error' | 'warning';
  item: number | null;
  /** the service's English: file, where, what */
  text: string;
  file: string;
  where: string;
  message: string;
  /** what and where as codes, for the page's language (server/missions/issues.ts) */
  said?: ServerMessage;
  whereSaid?: MessageParam;
}

/** A route's items and map drawing (GET /api/runs/:id/route gives the copy a patrol flies). */
export interface RouteShape {
  route: RouteJson | null;
  geojson: { type: 'FeatureCollection'; features: RouteFeature[] } | null;
}

export interface RouteDetail extends RouteSummary, RouteShape {
  issues: RouteIssue[];
  /** the station's rules the route is held to: the editor checks against them while the pilot edits */
  rules: RouteRules;
}

/** An import's route before it is saved (POST /api/routes/preview); exists: saving replaces a route of that id. */
export interface RoutePreviewDetail extends RouteDetail {
  exists: boolean;
}

/** The route's name in the page's language, else the other one, else its id. */
export function routeName(id: string, meta: { nameZh: string; nameEn: string } | null): string {
  if (!meta) return id;
  return (getLocale() === 'zh-CN' ? meta.nameZh || meta.nameEn : meta.nameEn || meta.nameZh) || id;
}

export class RouteCatalog {
  private readonly summaries = signal<RouteSummary[]>([]);
  private readonly details = new Map<string, Promise<RouteDetail>>();
  private readonly listeners: Array<() => void> = [];
  private loading: Promise<void> | null = null;

  list(): RouteSummary[] {
    return this.summaries.value;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Reads the list again (and forgets the details, which may have changed). */
  refresh(): Promise<void> {
    this.loading ??= requestJson<RouteSummary[]>('GET', '/api/routes')
      .then((list) => {
        this.details.clear();
        this.summaries.value = list;
        for (const listener of this.listeners) listener();
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  detail(id: string): Promise<RouteDetail> {
    let found = this.details.get(id);
    if (!found) {
      found = requestJson<RouteDetail>('GET', `/api/routes/${encodeURIComponent(id)}`);
      // A failure is not kept: the next call asks again.
      found.catch(() => this.details.delete(id));
      this.details.set(id, found);
    }
    return found;
  }

  /** After a rename or a delete: the route of that id is gone. */
  forget(id: string): void {
    this.details.delete(id);
    void this.refresh();
  }

  /** After a save: the service's answer is the new detail. */
  put(detail: RouteDetail): void {
    this.details.set(detail.id, Promise.resolve(detail));
    void this.refresh().then(() => this.details.set(detail.id, Promise.resolve(detail)));
  }
}
