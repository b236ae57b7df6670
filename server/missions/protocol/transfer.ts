import { common } from 'node-mavlink';
import type { Exchange, MissionMessage } from './exchange.ts';
import { ACK, refusal, resultName, type TransferResult } from './results.ts';
import { itemMessage, wireOf, type WireItem } from './wire.ts';

/**
 * The ground side of the MAVLink mission protocol (mavlink.io/en/services/mission.html):
 * upload, download and clear for one mission type, with the spec's timeouts (1.5 s for the
 * handshake, 250 ms per item) and retries, tolerant of what ArduPilot does on real links:
 * MISSION_REQUEST instead of _INT, re-requests, requests out of order or past the end, and
 * INVALID_SEQUENCE acks that do not end the transfer.
 */

export interface Timing {
  /** waiting for the first answer (request after COUNT, COUNT after REQUEST_LIST, ACK after CLEAR_ALL) */
  timeoutMs: number;
  /** waiting for the next request after sending an item, or for an item after requesting it */
  itemTimeoutMs: number;
  /**
   * resends of a handshake message before giving up; items are resent every itemTimeoutMs for as
   * long as a handshake may take, (retries + 1) * timeoutMs, without progress
   */
  retries: number;
}

export const SPEC_TIMING: Timing = { timeoutMs: 1500, itemTimeoutMs: 250, retries: 5 };

export interface Progress {
  op: 'upload' | 'download';
  done: number;
  total: number;
}

type OnProgress = (p: Progress) => void;

const isAck = (m: MissionMessage): m is common.MissionAck => m instanceof common.MissionAck;
const isRequest = (m: MissionMessage): m is common.MissionRequest | common.MissionRequestInt =>
  m instanceof common.MissionRequestInt || m instanceof common.MissionRequest;

const cancelled = (): TransferResult => ({ kind: 'cancelled', message: 'cancelled by the ground station' });

/** Time allowed without progress once items flow: as long as the handshake's retries take (9 s, above ArduPilot's own 8 s). */
const stallMs = (t: Timing) => t.timeoutMs * (t.retries + 1);

export async function upload(x: Exchange, items: WireItem[], t: Timing, progress: OnProgress): Promise<TransferResult> {
  const n = items.length;
  const sendCount = () => {
    const m = new common.MissionCount();
    m.count = n;
    x.send(m);
  };
  const sendItem = (seq: number) => x.send(itemMessage(items[seq]!));
  sendCount();
  let counts = 1;
  let requested = -1; // highest seq the vehicle asked for
  let lastSent = -1;
  let lastSentAt = 0;
  let progressAt = x.now();
  let refused: { code: number; seq: number } | null = null; // an error ACK mid-transfer, final unless requests resume
  let resentLast = false;
  /** the item the vehicle asked for again since the last progress: the one it does not take */
  let askedAgain: number | null = null;
  let note = '';
  const stalled = () => x.now() - progressAt > stallMs(t);
  const keepsAsking = (seq: number): TransferResult => ({
    kind: 'timeout',
    step: 'item',
    seq,
    message: `the vehicle keeps asking for item ${seq} again: it does not take it`,
  });
  progress({ op: 'upload', done: 0, total: n });
  for (;;) {
    const m = await x.next(requested < 0 || refused ? t.timeoutMs : t.itemTimeoutMs);
    if (m === 'cancelled') {
      x.ack(ACK.OPERATION_CANCELLED);
      return cancelled();
    }
    if (m === 'timeout') {
      if (refused) return refusal(refused.code, `item ${refused.seq}`, refused.seq);
      if (requested < 0) {
        if (counts > t.retries)
          return { kind: 'timeout', step: 'count', message: `no MISSION_REQUEST after ${counts} MISSION_COUNTs (${n} items): is the vehicle listening?` };
        sendCount();
        counts++;
        continue;
      }
      if (stalled()) {
        // Named by what the vehicle did, not by whether its last re-request or our timer came first.
        if (askedAgain !== null) return keepsAsking(askedAgain);
        return requested === n - 1
          ? { kind: 'timeout', step: 'ack', message: `all ${n} items sent, but no final MISSION_ACK came${note}` }
          : {
            kind: 'timeout',
            step: 'item',
            seq: requested + 1,
            message: `no request for item ${requested + 1} of ${n} in ${stallMs(t) / 1000} s after item ${lastSent}${note}`,
          };
      }
      sendItem(lastSent); // it may have been lost; a vehicle that has it answers INVALID_SEQUENCE
      lastSentAt = x.now();
      resentLast = lastSent === n - 1;
      continue;
    }
    if (isRequest(m)) {
      if (m.seq >= n) {
        note = ` (the vehicle asked for item ${m.seq}, past the end)`;
        continue; // it will ask again for the one it is missing
      }
      refused = null;
      if (m.seq > requested) {
        requested = m.seq;
        progressAt = x.now();
        askedAgain = null;
        progress({ op: 'upload', done: m.seq, total: n });
      } else if (stalled()) {
        return keepsAsking(m.seq);
      } else {
        askedAgain = m.seq;
      }
      // A request crossing our answer (or a duplicated packet) gets no second copy; the resend timer covers a real loss.
      if (m.seq === lastSent && x.now() - lastSentAt < t.itemTimeoutMs / 2) continue;
      lastSent = m.seq;
      lastSentAt = x.now();
      resentLast = false;
      sendItem(m.seq);
      continue;
    }
    if (!isAck(m)) continue;
    if (m.type === ACK.ACCEPTED) {
      if (requested === n - 1 || n === 0) {
        progress({ op: 'upload', done: n, total: n });
        return { kind: 'success', message: `${n} items uploaded` };
      }
      return {
        kind: 'invalid_sequence',
        seq: requested + 1,
        message: `the vehicle accepted the upload after only ${requested + 1} of ${n} items: it holds an incomplete mission`,
      };
    }
    if (m.type === ACK.INVALID_SEQUENCE) {
      note = ' (the vehicle last answered INVALID_SEQUENCE)';
      continue; // ArduPilot's answer to a duplicate or early item; it carries on
    }
    if (requested < 0) return refusal(m.type, `the upload of ${n} items`);
    if (resentLast) {
      // Our resent last item met a vehicle no longer receiving: it finished and its ACK was lost, or it gave up.
      return {
        kind: 'timeout',
        step: 'ack',
        message: `all ${n} items sent; no final MISSION_ACK, and the vehicle answered the resent last item with ${resultName(m.type)}`,
      };
    }
    refused ??= { code: m.type, seq: lastSent }; // the first refusal says why; later ones answer items still in flight
  }
}

export async function download(x: Exchange, t: Timing, progress: OnProgress): Promise<TransferResult & { items?: WireItem[] }> {
  const items: WireItem[] = [];
  let count = -1;
  let lists = 0;
  let progressAt = 0;
  let refusals = 0; // error ACKs in a row instead of what we asked for
  let refusedWith = 0;
  let note = '';
  const request = () => {
    if (count < 0) {
      lists++;
      return x.send(new common.MissionRequestList());
    }
    const m = new common.MissionRequestInt();
    m.seq = items.length;
    x.send(m);
  };
  const where = () => (count < 0 ? 'the mission list' : `item ${items.length} of ${count}`);
  request();
  for (;;) {
    const m = await x.next(count < 0 ? t.timeoutMs : t.itemTimeoutMs);
    if (m === 'cancelled') {
      x.ack(ACK.OPERATION_CANCELLED);
      return cancelled();
    }
    if (m === 'timeout') {
      if (count < 0 && lists > t.retries) {
        return refusals ? refusal(refusedWith, where()) : { kind: 'timeout', step: 'count', message: `no MISSION_COUNT after ${lists} MISSION_REQUEST_LISTs` };
      }
      if (count >= 0 && x.now() - progressAt > stallMs(t)) {
        return {
          kind: 'timeout',
          step: 'item',
          seq: items.length,
          message: `item ${items.length} of ${count} did not come in ${stallMs(t) / 1000} s of asking${note}`,
        };
      }
      request();
      continue;
    }
    if (m instanceof common.MissionCount) {
      if (count >= 0) continue; // a duplicate answer to a resent REQUEST_LIST
      count = m.count;
      progressAt = x.now();
      refusals = 0;
      progress({ op: 'download', done: 0, total: count });
    } else if (m instanceof common.MissionItemInt) {
      if (count < 0 || m.seq !== items.length) {
        if (m.seq > items.length) note = ` (the vehicle sent item ${m.seq} instead)`;
        continue; // a late duplicate, or not what we asked for
      }
      items.push(wireOf(m));
      progressAt = x.now();
      refusals = 0;
      progress({ op: 'download', done: items.length, total: count });
    } else if (isAck(m) && m.type !== ACK.ACCEPTED) {
      // A vehicle refusing again and again is not a lossy link: name its answer.
      refusedWith = m.type;
      if (++refusals > t.retries) return refusal(m.type, where(), count < 0 ? undefined : items.length);
      continue; // asked again on the next timeout
    } else {
      continue;
    }
    if (items.length === count) {
      x.ack(ACK.ACCEPTED);
      return { kind: 'success', message: `${count} items downloaded`, items };
    }
    request();
  }
}

export async function clear(x: Exchange, t: Timing): Promise<TransferResult> {
  x.send(new common.MissionClearAll());
  for (let tries = 0;;) {
    const m = await x.next(t.timeoutMs);
    if (m === 'cancelled') return cancelled();
    if (m === 'timeout') {
      if (++tries > t.retries) return { kind: 'timeout', step: 'clear', message: `no MISSION_ACK after ${t.retries + 1} MISSION_CLEAR_ALLs` };
      x.send(new common.MissionClearAll());
      continue;
    }
    if (!isAck(m) || m.type === ACK.INVALID_SEQUENCE) continue;
    if (m.type === ACK.ACCEPTED) return { kind: 'success', message: 'cleared' };
    return refusal(m.type, 'the clear');
  }
}
