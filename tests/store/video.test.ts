/**
 * The video's stores on SQLite and PostgreSQL alike: the recordings' index (store/recordings.ts),
 * stills kept as evidence with their JPEG (store/snapshots.ts), and the camera sources an admin
 * set (store/video-sources.ts).
 */
import crypto from 'node:crypto';
import { expect, it } from 'vitest';
import type { NewSnapshot } from '../../server/store/snapshots.ts';
import { describeEachBackend, incidentRow } from '../helpers/backends.ts';

const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);

const file = (vehicleId: string, startedAt: number, name = `${startedAt}.mp4`) => ({
  vehicleId,
  file: `${vehicleId}/${name}`,
  startedAt,
  codec: 'h264' as const,
  mime: 'video/mp4; codecs="avc1.42c01e"',
  width: 320,
  height: 240,
});

const still = (over: Partial<NewSnapshot> = {}): NewSnapshot => ({
  vehicleId: 'sim-1',
  takenAt: T0,
  takenBy: 'pilot1',
  lat: 28.371234,
  lon: 121.381234,
  altM: 42.5,
  headingDeg: 270,
  alertId: null,
  width: 640,
  height: 360,
  mime: 'image/jpeg',
  image: Buffer.from([0xff, 0xd8, 0xff, 0xd9]),
  ...over,
});

describeEachBackend('the video stores', (backend) => {
  it('recordings: a file is added as being written, grows, closes; listed by state and found by drone and time', async () => {
    const { recordings } = await backend.open();
    const a = await recordings.opened(file('sim-1', T0));
    expect(await recordings.get(a)).toEqual({ id: a, ...file('sim-1', T0), endedAt: T0, bytes: 0, writing: true });
    await recordings.grew(a, T0 + 30_000, 1_500_000);
    expect(await recordings.get(a)).toMatchObject({ endedAt: T0 + 30_000, bytes: 1_500_000, writing: true });
    // more than 2^32 bytes in all: BIGINT on PostgreSQL, read back as a number
    await recordings.closed(a, T0 + 60_000, 5_000_000_000);
    const b = await recordings.opened(file('sim-1', T0 + 60_000));
    await recordings.grew(b, T0 + 90_000, 700_000);
    const other = await recordings.opened(file('sim-2', T0 + 10_000));
    expect(await recordings.get(a)).toMatchObject({ endedAt: T0 + 60_000, bytes: 5_000_000_000, writing: false });
    expect((await recordings.finished()).map((r) => r.id)).toEqual([a]);
    expect((await recordings.unfinished()).map((r) => r.id)).toEqual([other, b]); // oldest first
    // pictures between from and to: a file ending where the span starts, or starting where it ends, has none in it
    expect((await recordings.during('sim-1', T0 + 60_000, T0 + 61_000)).map((r) => r.id)).toEqual([b]);
    expect((await recordings.during('sim-1', T0 - 1000, T0 + 60_001)).map((r) => r.id)).toEqual([a, b]);
    expect(await recordings.during('sim-1', T0 - 5000, T0)).toEqual([]);
    expect(await recordings.during('sim-1', T0 + 90_000, T0 + 95_000)).toEqual([]);
    await recordings.remove(a);
    expect(await recordings.get(a)).toBeUndefined();
    expect((await recordings.during('sim-1', T0, T0 + 120_000)).map((r) => r.id)).toEqual([b]);
  });

  it('recordings: one row per file', async () => {
    const { recordings } = await backend.open();
    await recordings.opened(file('sim-1', T0, 'same.mp4'));
    await expect(recordings.opened(file('sim-1', T0 + 1, 'same.mp4'))).rejects.toThrow(/unique/i);
    expect(await recordings.unfinished()).toHaveLength(1);
  });

  it('snapshots: a still keeps where and when, and its JPEG byte for byte; attached to an incident, listed as its evidence', async () => {
    const store = await backend.open();
    const { snapshots } = store;
    // every byte value, NULs and 0xFF included, in an odd length: nothing of a BLOB/BYTEA is text
    const image = Buffer.concat([Buffer.from([0xff, 0xd8, 0x00, 0x00]), crypto.randomBytes(40_001), Buffer.from([...Array(256).keys()])]);
    const first = await snapshots.add(still({ image, takenAt: T0 + 5000 }), T0 + 6000);
    const { image: _image, ...fields } = still({ takenAt: T0 + 5000 });
    expect(first).toEqual({ id: first.id, ...fields });
    expect(await snapshots.get(first.id)).toEqual(first);
    const got = await snapshots.image(first.id);
    expect(got!.mime).toBe('image/jpeg');
    expect(Buffer.isBuffer(got!.data)).toBe(true);
    expect(got!.data.equals(image)).toBe(true);
    // no position (the drone had no fix): nulls, not zeros
    const blind = await snapshots.add(still({ lat: null, lon: null, altM: null, headingDeg: null, takenAt: T0 }));
    expect(blind).toMatchObject({ lat: null, lon: null, altM: null, headingDeg: null });

    const alertId = await incidentRow(store, T0);
    expect(await snapshots.forAlert(alertId)).toEqual([]);
    expect(await snapshots.attach(first.id, alertId)).toEqual({ ...first, alertId });
    const filed = await snapshots.add(still({ alertId, takenAt: T0 + 5000 }));
    await snapshots.attach(blind.id, alertId);
    // oldest first, then in the order taken
    expect((await snapshots.forAlert(alertId)).map((s) => s.id)).toEqual([blind.id, first.id, filed.id]);
    expect(await snapshots.get(9_999_999)).toBeUndefined();
    expect(await snapshots.image(9_999_999)).toBeUndefined();
    expect(await snapshots.attach(9_999_999, alertId)).toBeUndefined();
  });

  it('snapshots: a still is attached only to an incident that exists', async () => {
    const { snapshots } = await backend.open();
    const s = await snapshots.add(still());
    await expect(snapshots.attach(s.id, 9_999_999)).rejects.toThrow(/foreign key/i);
    expect(await snapshots.get(s.id)).toMatchObject({ alertId: null });
  });

  it('video sources: set, replaced, listed by drone, removed', async () => {
    const { videoSources } = await backend.open();
    expect(await videoSources.all()).toEqual([]);
    await videoSources.put({ drone: 'sim-2', uri: 'rtp://127.0.0.1:5602', setBy: 'admin', setAt: T0 });
    await videoSources.put({ drone: 'sim-1', uri: 'rtsp://cam:secret@10.0.0.9/live', setBy: 'admin', setAt: T0 });
    await videoSources.put({ drone: 'sim-2', uri: 'rtp://127.0.0.1:5700', setBy: 'admin2', setAt: T0 + 1000 });
    expect(await videoSources.all()).toEqual([
      { drone: 'sim-1', uri: 'rtsp://cam:secret@10.0.0.9/live', setBy: 'admin', setAt: T0 },
      { drone: 'sim-2', uri: 'rtp://127.0.0.1:5700', setBy: 'admin2', setAt: T0 + 1000 },
    ]);
    expect(await videoSources.remove('sim-1')).toBe(true);
    expect(await videoSources.remove('sim-1')).toBe(false);
    expect((await videoSources.all()).map((r) => r.drone)).toEqual(['sim-2']);
  });
});
