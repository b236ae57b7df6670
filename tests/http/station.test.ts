import { expect, it } from 'vitest';
import { ADMIN_PASSWORD, testService } from '../helpers/service.ts';

it('GET /api/station names the station as configured, beside its airspace', async () => {
  const t = await testService({ station: { lat: 28.37, lon: 121.38, radiusKm: 30, name: '温岭城东派出所' }, rules: { ceilingM: 90 } });
  try {
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const station = await t.api('GET', '/api/station', admin);
    expect(station.status).toBe(200);
    expect(station.body).toMatchObject({ name: '温岭城东派出所', geofence: null, noFly: [], ceilingM: 90 });
  } finally {
    await t.close();
  }
});

it('a station configured without a name says so with an empty name, not a missing field', async () => {
  const t = await testService();
  try {
    const station = await t.api('GET', '/api/station', await t.login('admin', ADMIN_PASSWORD));
    expect(station.body.name).toBe('');
  } finally {
    await t.close();
  }
});
