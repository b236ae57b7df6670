import { z } from 'zod';

/**
 * What a vehicle id can look like. The fleet names a drone "<link id>-<sysid>" (sim-1, l1-1);
 * 64 characters leave room for named links. Anything else came from a client, not a drone, and is
 * refused before it is stored, audited or broadcast to every screen.
 */
const MAX = 64;
const CHARS = /^[A-Za-z0-9_.:-]+$/;
const CHARS_HINT = 'letters, digits, "_", ".", ":" and "-" only';

/** Why `id` cannot be a vehicle id, or null when it can. Long ids are not echoed back. */
export function vehicleIdProblem(id: string): string | null {
  if (id.length === 0) return 'vehicle id: must not be empty';
  if (id.length > MAX) return `vehicle id: ${id.length} characters, at most ${MAX} (GET /api/vehicles lists the drones)`;
  if (!CHARS.test(id)) return `vehicle id "${id}": ${CHARS_HINT}`;
  return null;
}

/** The same rule for a request body's field. */
export const VehicleId = z.string({ error: 'expected a vehicle id from GET /api/vehicles' })
  .min(1, 'must not be empty')
  .max(MAX, `at most ${MAX} characters`)
  .regex(CHARS, CHARS_HINT);
