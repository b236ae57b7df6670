/**
 * An aircraft alert carries what it says as a code and parameters beside its English, kept in the
 * database with each update, so a page says it in its own language, also after a restart.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { autopilotMessage, DEFAULT_THRESHOLDS, LEVEL_RULES } from '../../server/alerts/aircraft-rules.ts';
import { openStore } from '../../server/store/index.ts';
import type { Vehicle } from '../../server/vehicles/vehicle.ts';

const rule = (name: string) => LEVEL_RULES.find((r) => r.rule === name)!;

it('a rule gives its condition as a code with its figures, and the English from it', () => {
  const low = rule('battery_low').check({ battery: { percent: 25 } } as Vehicle, DEFAULT_THRESHOLDS, false)!;
  expect(low).toEqual({ severity: 'caution', message: 'battery low: 25%', said: { code: 'alert_battery_low', params: { percent: 25 } } });
  const words = autopilotMessage(2, 'EKF variance')!;
  expect(words.said).toEqual({ code: 'alert_autopilot', params: { text: { verbatim: 'EKF variance' } } });
  expect(words.message).toBe('autopilot: EKF variance');
});

it('keeps the latest code and parameters of an alert in the database; an alert raised before says null', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-said-'));
  const store = openStore(dir);
  try {
    const raised = store.alerts.raiseAircraft('sim-1', 'battery_low', 'caution', 'battery low: 29%', { code: 'alert_battery_low', params: { percent: 29 } });
    expect(raised.said).toEqual({ code: 'alert_battery_low', params: { percent: 29 } });
    store.alerts.updateAircraft(raised.id, 'caution', 'battery low: 27%', { code: 'alert_battery_low', params: { percent: 27 } });
    expect(store.alerts.aircraft(raised.id)).toMatchObject({ message: 'battery low: 27%', said: { code: 'alert_battery_low', params: { percent: 27 } } });
    expect(store.alerts.openAircraft().map((a) => a.said?.params)).toEqual([{ percent: 27 }]);
    const older = store.alerts.raiseAircraft('sim-2', 'link_lost', 'warning', 'link lost');
    expect(store.alerts.aircraft(older.id)!.said).toBeNull();
  } finally {
    store.close();
  }
});
