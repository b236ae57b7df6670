import { common, type MavLinkData } from 'node-mavlink';
import { expect, it } from 'vitest';
import { Connection } from '../../server/links/connection.ts';
import { Fleet } from '../../server/vehicles/fleet.ts';
import { CaptureLink } from '../helpers/capture-link.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';
import { describeWithFixtures, fixture } from '../helpers/shared.ts';
import { waitFor } from '../helpers/wait.ts';
import { patrolStation, px4CapturePlan } from './station.ts';

/**
 * SkyBeat flies the live PX4 capture (../shared/fixtures/px4/mission-flight.tlog) itself: the
 * recording plays back through a real Connection and Fleet, and waits wherever the recording's
 * ground station uploaded, read back, set Mission mode or armed, until SkyBeat has sent the same
 * (tests/helpers/capture-link.ts). What came back that day answers SkyBeat: the upload's requests
 * and ACK, the read-back (frame 6 for 3), the mode and arming ACKs (DO_SET_MODE twice), then the
 * whole flight with PX4's own Return at the RTL item and its HOLD at disarm.
 */

const cleanup = cleanupAfterEach();
const { MavCmd } = common;

/** What the recording's ground station sent that SkyBeat must send too; its HOLD command on the ground after landing (190.8 s) is not SkyBeat's. */
const isGate = (m: MavLinkData, t: number) =>
  t < 100 && (m instanceof common.MissionCount || m instanceof common.MissionItemInt
    || m instanceof common.MissionRequestList || m instanceof common.MissionRequestInt || m instanceof common.MissionAck
    || m instanceof common.CommandLong && (m.command === MavCmd.DO_SET_MODE || m.command === MavCmd.COMPONENT_ARM_DISARM));

describeWithFixtures('a patrol flown against the real PX4 capture, in step with it', () => {
  it("uploads, verifies, starts and follows it to the end: completed, and none of PX4's own mode changes is an alert", async () => {
    const link = new CaptureLink(fixture('px4', 'mission-flight.tlog'), isGate);
    const fleet = new Fleet({ sysid: 255, compid: 190 });
    const conn = new Connection('px4', link, { sysid: 255, compid: 190 });
    fleet.addConnection(conn);
    const st = await patrolStation(fleet, { plans: { square: px4CapturePlan() } });
    cleanup.push(async () => {
      await st.close();
      fleet.close();
      await conn.close();
    });
    await link.open();

    // Played up to the recording's upload: the drone is known, and waits for a mission.
    await waitFor('the playback to reach the upload', () => link.waitingFor?.msg instanceof common.MissionCount, 20_000, 10);
    const v = fleet.get('px4-1')!;
    expect([v.autopilot, v.mode, v.flightMode, v.armed]).toEqual(['px4', 'HOLD', 'hold', false]);
    await st.control.take(v.id, 'pilot1');
    const run = await st.patrols.launch(v.id, 'square', 'pilot1');
    const view = () => st.patrols.live(run.id)!;

    await waitFor('the run to end', () => view().endedAt !== null && view(), 60_000, 20);
    const done = view();
    expect(done.events.find((e) => e.kind === 'upload')!.message).toMatch(/read back identical/);
    expect(link.passed).toEqual([
      'MISSION_COUNT',
      'MISSION_ITEM_INT seq 0',
      'MISSION_ITEM_INT seq 1',
      'MISSION_ITEM_INT seq 2',
      'MISSION_ITEM_INT seq 3',
      'MISSION_ITEM_INT seq 4',
      'MISSION_REQUEST_LIST',
      'MISSION_REQUEST_INT seq 0',
      'MISSION_REQUEST_INT seq 1',
      'MISSION_REQUEST_INT seq 2',
      'MISSION_REQUEST_INT seq 3',
      'MISSION_REQUEST_INT seq 4',
      'MISSION_ACK',
      `COMMAND_LONG ${MavCmd.DO_SET_MODE} [1, 4, 4]`,
      `COMMAND_LONG ${MavCmd.COMPONENT_ARM_DISARM} [1, 0, 0]`,
    ]);
    expect(done).toMatchObject({ state: 'landed', result: 'completed', outcome: { kind: 'completed' } });
    expect(done.events.find((e) => e.message.startsWith('returning'))!.message)
      .toBe("returning: mode RETURN (PX4 switches to Return by itself at the mission's RTL item)");
    // Before its start the run showed no place in the mission; then 0 (takeoff) to 4 (the RTL item).
    const legs = st.views.filter((r) => r.id === run.id).map((r) => [r.state, r.leg?.seq ?? null]);
    expect(legs.filter(([state]) => ['uploading', 'arming'].includes(state as string)).every(([, seq]) => seq === null)).toBe(true);
    expect(Math.max(...legs.map(([, seq]) => (seq as number | null) ?? -1))).toBe(4);

    // HOLD → MISSION was commanded from here, MISSION → RETURN is the mission's, RETURN → HOLD came at disarm after landing.
    expect(v.mode).toBe('HOLD');
    expect(st.alerts('mode_change')).toEqual([]);
    expect(v.planItem).toBeNull();
  });
});
