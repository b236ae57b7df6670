import { common, minimal } from 'node-mavlink';
import { Connection } from '../../links/connection.ts';
import { UdpInLink } from '../../links/udp.ts';
import { nameOf } from '../../mavlink/codec.ts';
import { startSquadron } from '../squadron.ts';

const link = new UdpInLink('udpin://127.0.0.1:0', '127.0.0.1', 0);
const gcs = new Connection('gcs', link, { sysid: 255, compid: 190 });
await link.open();
const speed = Number(process.argv[2] ?? 10);
const sq = await startSquadron({ count: 1, link: `udpout://127.0.0.1:${link.boundPort}`, speedup: speed, seed: 1, bootDelayS: 5 });
const t0 = Date.now();
const STREAMS = new Set(['HEARTBEAT','SYS_STATUS','GLOBAL_POSITION_INT','GPS_RAW_INT','ATTITUDE','VFR_HUD','BATTERY_STATUS','EKF_STATUS_REPORT','MISSION_CURRENT','NAV_CONTROLLER_OUTPUT','POSITION_TARGET_GLOBAL_INT','SYSTEM_TIME','LOCAL_POSITION_NED']);
let last: any = {};
gcs.on('message', ({ msg, frame }) => {
  if (!msg) return;
  const n = nameOf(msg);
  if (n === 'GLOBAL_POSITION_INT') last.pos = msg;
  if (n === 'HEARTBEAT') last.hb = msg;
  if (STREAMS.has(n)) return;
  const o: any = {}; for (const [k, v] of Object.entries(msg)) o[k] = typeof v === 'bigint' ? String(v) : v;
  console.log(((Date.now() - t0) / 1000 * speed).toFixed(1), frame.sysid, n, JSON.stringify(o));
});
const send = (m: any) => { m.targetSystem = 1; m.targetComponent = 1; gcs.send(m); };
const hb = setInterval(() => { const h = new minimal.Heartbeat(); h.type = 6; h.autopilot = 8; h.systemStatus = 4; gcs.send(h); }, 1000);
const rds = new common.RequestDataStream(); rds.reqStreamId = 0; rds.reqMessageRate = 4; rds.startStop = 1;
await new Promise(r => setTimeout(r, 300)); send(rds);
await new Promise(r => setTimeout(r, 3500 / speed * 1.2 * 1000 / 1000 * 1.5 ));
// upload
const items = [
  [16, 0, 28.37, 121.38, 0], [22, 3, 0, 0, 30], [16, 3, 28.3718, 121.38, 30], [16, 3, 28.3718, 121.3825, 30], [16, 3, 28.37, 121.3825, 30], [20, 2, 0, 0, 0],
];
gcs.on('message', ({ msg }) => {
  if (msg instanceof common.MissionRequest || msg instanceof common.MissionRequestInt) {
    const [cmd, frame, lat, lon, alt] = items[msg.seq]!;
    const it = new common.MissionItemInt(); it.seq = msg.seq; it.command = cmd!; it.frame = frame!; it.x = Math.round(lat! * 1e7); it.y = Math.round(lon! * 1e7); it.z = alt!; it.autocontinue = 1;
    send(it);
  }
});
const cnt = new common.MissionCount(); cnt.count = items.length; send(cnt);
await new Promise(r => setTimeout(r, 300));
const cmd = (c: number, ...p: number[]) => { const m = new common.CommandLong(); m.command = c; [m._param1, m._param2, m._param3, m._param4, m._param5, m._param6, m._param7] = [...p, 0,0,0,0,0,0,0].slice(0,7) as any; send(m); };
cmd(176, 1, 4);
for (let i = 0; i < 20; i++) { cmd(400, 1); await new Promise(r => setTimeout(r, 3000 / speed)); if (last.hb?.baseMode & 128) break; }
cmd(300, 0, 0);
const wait = setInterval(() => { if (!(last.hb?.baseMode & 128)) { console.log('DISARMED', JSON.stringify(last.pos)); } }, 2000);
await new Promise(r => setTimeout(r, 200000 / speed));
clearInterval(wait); clearInterval(hb);
console.log('final', last.hb?.customMode, last.hb?.baseMode, last.pos?.lat, last.pos?.lon, last.pos?.relativeAlt);
await sq.close(); await gcs.close();
