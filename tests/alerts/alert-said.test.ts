/**
 * An aircraft alert carries what it says as a code and parameters beside its English, kept in the
 * database with each update, so a page says it in its own language, also after a restart (the
 * store's part, on both databases: tests/store/alerts.test.ts).
 */

import { expect, it } from 'vitest';
import { autopilotMessage, DEFAULT_THRESHOLDS, LEVEL_RULES } from '../../server/alerts/aircraft-rules.ts';
import type { Vehicle } from '../../server/vehicles/vehicle.ts';

const rule = (name: string) => LEVEL_RULES.find((r) => r.rule === name)!;

it('a rule gives its condition as a code with its figures, and the English from it', () => {
  const low = rule('battery_low').check({ battery: { percent: 25 } } as Vehicle, DEFAULT_THRESHOLDS, false)!;
  expect(low).toEqual({ severity: 'caution', message: 'battery low: 25%', said: { code: 'alert_battery_low', params: { percent: 25 } } });
  const words = autopilotMessage(2, 'EKF variance')!;
  expect(words.said).toEqual({ code: 'alert_autopilot', params: { text: { verbatim: 'EKF variance' } } });
  expect(words.message).toBe('autopilot: EKF variance');
});
