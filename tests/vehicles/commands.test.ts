import { common } from 'node-mavlink';
import { describe, expect, it } from 'vitest';
import type { UdpInLink } from '../../server/links/udp.ts';
import { CommandSender } from '../../server/vehicles/commands.ts';
import { groundStation } from '../helpers/ground.ts';
import { scriptedPeer } from '../helpers/peer.ts';
import { waitFor } from '../helpers/wait.ts';
import { cleanupAfterEach } from '../helpers/cleanup.ts';

const cleanup = cleanupAfterEach();

/** A ground station and one scripted autopilot that answers commands as `answer` says. */
async function rig(answer: (cmd: common.CommandLong, send: (m: common.CommandAck | common.StatusText) => void) => void) {
  const gs = await groundStation({ l1: 'udpin://127.0.0.1:0' });
  cleanup.push(() => gs.close());
  const drone = await scriptedPeer(`udpout://127.0.0.1:${(gs.conns[0]!.link as UdpInLink).boundPort}`, 1);
  cleanup.push(() => drone.close());
  const seen: common.CommandLong[] = [];
  drone.conn.on('message', ({ msg }) => {
    if (msg instanceof common.CommandLong) {
      seen.push(msg);
      answer(msg, (m) => drone.send(m));
    }
  });
  const v = await waitFor('vehicle', () => gs.fleet.get('l1-1'));
  return { sender: new CommandSender(gs.fleet, 255), v, seen };
}

const ack = (command: number, result: number, progress = 0) => Object.assign(new common.CommandAck(), { command, result, progress, targetSystem: 255, targetComponent: 190 });
const text = (severity: number, t: string) => Object.assign(new common.StatusText(), { severity, text: t });
const ARM = common.MavCmd.COMPONENT_ARM_DISARM;

describe('commands with acknowledgement', () => {
  it('retries a lost command with confirmation counted up, and follows IN_PROGRESS to the result', async () => {
    const { sender, v, seen } = await rig((cmd, send) => {
      if (cmd.confirmation === 0) return; // the first one is "lost"
      send(ack(cmd.command, common.MavResult.IN_PROGRESS, 30));
      setTimeout(() => send(ack(cmd.command, common.MavResult.ACCEPTED)), 300);
    });
    const progress: (number | null)[] = [];
    const out = await sender.send(v, { command: ARM, params: [1] }, { timeoutMs: 400, onProgress: (p) => progress.push(p) });
    expect(out).toEqual({ result: 'accepted' });
    expect(seen.map((c) => c.confirmation)).toEqual([0, 1]);
    expect(seen[0]!._param1).toBe(1);
    expect(progress).toEqual([30]);
  });

  it('reports a refusal with the reason the autopilot gave in STATUSTEXT', async () => {
    const { sender, v } = await rig((cmd, send) => {
      send(text(2, 'Arm: Need Position Estimate'));
      send(ack(cmd.command, common.MavResult.FAILED));
    });
    expect(await sender.send(v, { command: ARM, params: [1] })).toEqual({
      result: 'denied', code: 'FAILED', reason: 'COMPONENT_ARM_DISARM FAILED: Arm: Need Position Estimate',
    });
  });

  it('times out after its attempts when nobody answers, and refuses a second identical command meanwhile', async () => {
    const { sender, v, seen } = await rig(() => {});
    const first = sender.send(v, { command: ARM, params: [1] }, { timeoutMs: 200, attempts: 3 });
    expect(await sender.send(v, { command: ARM, params: [1] })).toMatchObject({ result: 'denied', code: 'BUSY' });
    expect(await first).toEqual({ result: 'timeout', attempts: 3, reason: 'COMPONENT_ARM_DISARM: no answer from l1-1 after 3 attempts of 200 ms' });
    expect(seen).toHaveLength(3);
  });

  it('ignores an ack addressed to another ground station', async () => {
    const { sender, v } = await rig((cmd, send) => {
      send(Object.assign(ack(cmd.command, common.MavResult.DENIED), { targetSystem: 200 }));
      setTimeout(() => send(ack(cmd.command, common.MavResult.ACCEPTED)), 100);
    });
    expect(await sender.send(v, { command: ARM, params: [1] })).toEqual({ result: 'accepted' });
  });
});
