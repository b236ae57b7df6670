import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { common, type MavLinkData } from 'node-mavlink';
import { beforeAll, expect, it } from 'vitest';
import { AircraftMonitor } from '../../server/alerts/aircraft-monitor.ts';
import { Connection } from '../../server/links/connection.ts';
import { parseTlog } from '../../server/links/tlog.ts';
import { decode } from '../../server/mavlink/codec.ts';
import { Framer } from '../../server/mavlink/framer.ts';
import { openStore } from '../../server/store/index.ts';
import { Fleet } from '../../server/vehicles/fleet.ts';
import type { Vehicle } from '../../server/vehicles/vehicle.ts';
import type { AircraftAlertView } from '../../server/wire/types.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { memoryLinkPair } from '../helpers/memory-link.ts';
import { describeWithFixtures, fixture } from '../helpers/shared.ts';

/**
 * The real PX4 session (../shared/fixtures/px4/mission-flight.tlog, facts in its README)
 * replayed through the real ingest path: PX4's packets leave the far end of an in-memory link
 * at their recorded times on a fake clock, our Connection and Fleet take them as from a live
 * drone, and what the station sends back is decoded at the far end.
 */

interface Session {
  /** PX4's own packets, decoded */
  fromPx4: MavLinkData[];
  vehicle: Vehicle;
  /** what the station sent PX4, in order */
  sent: MavLinkData[];
  alerts: AircraftAlertView[];
  /** COMMAND_LONGs the fleet handed to handlers registered for the vehicle */
  commandsHandedOut: common.CommandLong[];
}

async function replay(): Promise<Session> {
  const records = parseTlog(fs.readFileSync(fixture('px4/mission-flight.tlog'))).filter((r) => r.packet[5] !== 255);
  const fromPx4: MavLinkData[] = [];
  const framer = new Framer((f) => {
    const m = decode(f);
    if (m) fromPx4.push(m);
  });
  for (const r of records) framer.push(r.packet);
  const fc = fakeClock();
  const [groundLink, px4Link] = memoryLinkPair(fc.clock, 1);
  const fleet = new Fleet({ sysid: 255, compid: 190 }, { clock: fc.clock });
  const ground = new Connection('px4', groundLink, { sysid: 255, compid: 190 });
  fleet.addConnection(ground);
  const px4 = new Connection('far end', px4Link, { sysid: 1, compid: 1 });
  await groundLink.open();
  await px4Link.open();
  const sent: MavLinkData[] = [];
  px4.on('message', ({ frame, msg }) => {
    if (frame.sysid === 255 && msg) sent.push(msg);
  });
  const commandsHandedOut: common.CommandLong[] = [];
  fleet.onMessage('px4-1', common.CommandLong, (m) => commandsHandedOut.push(m));

  const store = await openStore(fs.mkdtempSync(path.join(os.tmpdir(), 'skybeat-px4-')));
  const monitor = await AircraftMonitor.open(fleet, store.alerts);
  const alerts: AircraftAlertView[] = [];
  monitor.on('alert', (a) => {
    if (!alerts.some((r) => r.id === a.id)) alerts.push(a);
  });

  const t0 = records[0]!.timeUs;
  for (const r of records) fc.clock.setTimeout(() => px4Link.send(r.packet), Number(r.timeUs - t0) / 1000);
  await fc.advance(Number(records.at(-1)!.timeUs - t0) / 1000 + 3000);

  const vehicle = fleet.get('px4-1')!;
  await monitor.close();
  fleet.close();
  await store.close();
  await ground.close();
  await px4.close();
  return { fromPx4, vehicle, sent, alerts, commandsHandedOut };
}

describeWithFixtures('a real PX4 session through the ingest path', () => {
  let s: Session;
  beforeAll(async () => {
    s = await replay();
  }, 60_000);

  it('every text once, whole and trimmed: the 50-character RTL message and its lone tab are one text', () => {
    expect(s.vehicle.messageCount).toBe(12); // 13 STATUSTEXT packets, id 8 in two chunks
    expect(s.vehicle.messages.map((m) => [m.severity, m.text])).toEqual([
      [6, '[logger] ./log/2026-12-02/17_26_50.ulg'],
      [2, 'Preflight Fail: heading estimate not stable'],
      [6, 'Armed by external command'],
      [6, 'Executing Mission'],
      [6, 'Climb to 20.0 meters above home'],
      [6, 'Takeoff detected'],
      [6, 'Mission finished, loitering'],
      [6, 'Returning to launch'],
      [6, 'RTL: start return at 41 m (30 m above destination)'],
      [6, 'RTL: land at destination'],
      [6, 'Landing detected'],
      [6, 'Disarmed by landing'],
    ]);
  });

  it('one autopilot alert, for the one text of WARNING or worse, as PX4 wrote it', () => {
    expect(s.alerts.filter((a) => a.rule === 'autopilot_message').map((a) => [a.severity, a.message]))
      .toEqual([['warning', 'autopilot: Preflight Fail: heading estimate not stable']]);
  });

  it('every PING request is answered once, with its seq and time_usec, addressed to PX4', () => {
    const asked = s.fromPx4.filter((m) => m instanceof common.Ping);
    expect(asked).toHaveLength(19); // every 10 s of PX4's clock, target 0/0
    expect(asked.every((p) => p.targetSystem === 0 && p.targetComponent === 0)).toBe(true);
    const answers = s.sent.filter((m) => m instanceof common.Ping);
    expect(answers.map((p) => [p.seq, p.timeUsec, p.targetSystem, p.targetComponent])).toEqual(asked.map((p) => [p.seq, p.timeUsec, 1, 1]));
  });

  it("PX4's copies of its own commands (COMMAND_LONG to itself) are handed to nobody", () => {
    const own = s.fromPx4.filter((m) => m instanceof common.CommandLong);
    expect(own).toHaveLength(18);
    expect(own.every((c) => c.targetSystem === 1 && c.targetComponent === 0)).toBe(true);
    expect(s.commandsHandedOut).toEqual([]);
  });

  it("the drone's link counts every packet PX4 sent and shows no loss: the 402 of ids no dialect here knows are not holes", () => {
    // Before, the vehicle counted only what it could decode: this perfect link showed 2.8 % loss (13,770 packets).
    expect(s.vehicle.view(0).link).toMatchObject({ packets: 14_373, lossPercent: 0 });
  });
});
