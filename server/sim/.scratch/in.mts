import { common } from 'node-mavlink';
const m = new common.MissionCount(); console.log('targetSystem' in m, Object.keys(m));
