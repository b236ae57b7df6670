import { common, minimal, type MavLinkData } from 'node-mavlink';
import { Connection, type Incoming } from '../../server/links/connection.ts';
import { createLink } from '../../server/links/create.ts';

/**
 * A scripted MAVLink system on a real socket, for link-level tests: it sends ArduCopter-like
 * heartbeats and positions while `talking`, and records what it receives. (Flight behaviour
 * is the simulator's job; this only needs to be a real peer on the wire.)
 */
export async function scriptedPeer(uri: string, sysid: number, opts: { lat?: number; lon?: number } = {}) {
  const link = createLink(uri);
  const conn = new Connection(`peer${sysid}`, link, { sysid, compid: 1 });
  const received: Incoming[] = [];
  conn.on('message', (m) => received.push(m));
  await link.open();
  let talking = true;
  const beat = () => {
    if (!talking) return;
    const hb = new minimal.Heartbeat();
    hb.type = minimal.MavType.QUADROTOR;
    hb.autopilot = minimal.MavAutopilot.ARDUPILOTMEGA;
    hb.baseMode = 81 as minimal.MavModeFlag;
    hb.customMode = 0;
    hb.systemStatus = minimal.MavState.STANDBY;
    hb.mavlinkVersion = 3;
    const pos = new common.GlobalPositionInt();
    pos.lat = Math.round((opts.lat ?? 28.37) * 1e7);
    pos.lon = Math.round((opts.lon ?? 121.38) * 1e7);
    pos.alt = 10000;
    pos.hdg = 0;
    conn.send(hb);
    conn.send(pos);
  };
  beat();
  const timer = setInterval(beat, 200);
  return {
    conn,
    received,
    /** messages of one id received from the ground station */
    from255: (msgid: number) => received.filter((m) => m.frame.sysid === 255 && m.frame.msgid === msgid),
    send: (msg: MavLinkData) => conn.send(msg),
    silence() {
      talking = false;
    },
    resume() {
      talking = true;
      beat();
    },
    async close() {
      clearInterval(timer);
      await conn.close();
    },
  };
}
