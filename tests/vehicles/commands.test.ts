import { common } from 'node-mavlink';
import { id, said, verbatim } from '../../server/wire/messages.ts';
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

const ack = (command: number, result: number, progress = 0) =>
  Object.assign(new common.CommandAck(), { command, result, progress, targetSystem: 255, targetComponent: 190 });
const text = (severity: number, t: string) => Object.assign(new common.StatusText(), { severity, text: t });
const ARM = common.MavCmd.COMPONENT_ARM_DISARM;

/**
 * Real UDP sockets, real time: that commands and their answers cross a real link. Every branch
 * (retries, IN_PROGRESS, timeouts, late refusals, BUSY, cancel) is tested in simulated time in
 * command-faults.test.ts; nothing here waits on a timer.
 */
describe('commands with acknowledgement over a real socket', () => {
  it('follows IN_PROGRESS to the result', async () => {
    const { sender, v, seen } = await rig((cmd, send) => {
      send(ack(cmd.command, common.MavResult.IN_PROGRESS, 30));
      send(ack(cmd.command, common.MavResult.ACCEPTED));
    });
    const progress: (number | null)[] = [];
    expect(await sender.send(v, { command: ARM, params: [1] }, { onProgress: (p) => progress.push(p) })).toEqual({ result: 'accepted' });
    expect(seen.map((c) => [c.confirmation, c._param1])).toEqual([[0, 1]]);
    expect(progress).toEqual([30]);
  });

  it('reports a refusal with the reason the autopilot gave in STATUSTEXT', async () => {
    const { sender, v } = await rig((cmd, send) => {
      send(text(2, 'Arm: Need Position Estimate'));
      send(ack(cmd.command, common.MavResult.FAILED));
    });
    expect(await sender.send(v, { command: ARM, params: [1] })).toEqual({
      result: 'denied',
      code: 'FAILED',
      reason: 'COMPONENT_ARM_DISARM FAILED: Arm: Need Position Estimate',
      said: said('command_denied_texts', { command: id('COMPONENT_ARM_DISARM'), result: id('FAILED'), texts: [verbatim('Arm: Need Position Estimate')] }),
    });
  });
});
