import * as nm from 'node-mavlink';
for (const ns of ['minimal','common','standard','ardupilotmega','development']) { const m = (nm as any)[ns]; for (const k of Object.keys(m)) if (/Capabilit|FirmwareVersionType/.test(k)) console.log(ns, k, Object.keys(m[k]).filter(x=>isNaN(Number(x))).join(' ')); }
