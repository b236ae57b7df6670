import { z } from 'zod';
import { EMPTY_META, QUADROTOR, type MissionItem, type Route } from './model.ts';

/**
 * A route as JSON from the API (what GET /api/routes/:id returns, edited): NaN travels as null,
 * as in a .plan. Field errors name the path, e.g. "items.3.frame".
 */

const num = z.number({ error: 'expected a number' });
const maybe = num.nullable().transform((v) => v ?? NaN);
const latLon = z.object({ lat: num, lon: num });
const point = z.object({ lat: num, lon: num, alt: num });

const itemSchema = z.object({
  command: num.int().min(0).max(65535),
  frame: num.int().min(0).max(255),
  params: z.tuple([maybe, maybe, maybe, maybe]),
  lat: maybe,
  lon: maybe,
  alt: maybe,
  autocontinue: z.boolean().default(true),
});

const metaSchema = z.object({
  nameZh: z.string(),
  nameEn: z.string(),
  station: z.string(),
  defaultDrone: z.string(),
  schedule: z.string(),
  notes: z.string(),
}).partial();

const routeJsonSchema = z.object({
  id: z.string().optional(),
  meta: metaSchema.default({}),
  vehicleType: num.int().min(0).max(255).default(QUADROTOR),
  plannedHome: point.nullable().default(null),
  items: z.array(itemSchema),
  fence: z.object({
    polygons: z.array(z.object({ inclusion: z.boolean().default(true), vertices: z.array(latLon) })).default([]),
    circles: z.array(z.object({ inclusion: z.boolean().default(true), lat: num, lon: num, radius: num })).default([]),
    returnPoint: point.nullable().default(null),
  }).default({ polygons: [], circles: [], returnPoint: null }),
  rally: z.array(point).default([]),
});

/** "items.3.frame: expected a number; ..." for a bad body, or the route. */
export function routeFromJson(body: unknown, id: string, file: string): Route | string {
  const r = routeJsonSchema.safeParse(body);
  if (!r.success) return r.error.issues.map((i) => `${i.path.join('.') || 'route'}: ${i.message}`).join('; ');
  const j = r.data;
  return {
    id,
    meta: { ...EMPTY_META, ...j.meta },
    vehicleType: j.vehicleType,
    plannedHome: j.plannedHome,
    items: j.items as MissionItem[],
    fence: j.fence,
    rally: j.rally,
    plan: null,
    source: { file, format: 'json', locations: j.items.map((_, i) => `items[${i}]`) },
  };
}
