import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';
import type { BusSigner } from '../cluster/signing.ts';

/** What the socket.io adapter passes around between nodes (socket.io-adapter's ClusterMessage). */
interface ClusterMessage {
  uid: string;
  nsp: string;
  type: number;
  data?: unknown;
}
interface AdapterHooks {
  doPublish(m: ClusterMessage): Promise<string>;
  doPublishResponse(to: string, m: ClusterMessage): Promise<void>;
  onMessage(m: ClusterMessage, offset?: string): void;
}

/**
 * socket.io's Redis Streams adapter, with every message it sends signed and every message it
 * reads checked (cluster/signing.ts). The adapter is the proven part: broadcasts to rooms go
 * through a Redis stream, which it reads on from where it was after Redis comes back, so an alert or
 * an officer's offer sent meanwhile is not lost. What it lacks is trust: anyone who can reach Redis
 * could make every page show what they like. So the message's own fields are sealed in an envelope
 * in its `data`, and a message whose envelope does not open, or disagrees with its outside, is
 * dropped before socket.io sees it.
 */
export function signedStreamsAdapter(redis: Redis, signer: BusSigner, onRejected: (reason: string) => void) {
  const prefix = `skybeat:city:${signer.cityTag}:io`;
  // A client of the adapter's own, whose commands wait while Redis is away, however long, instead of
  // failing as the bus's do. The adapter reads its stream in a loop that issues the next XREAD as soon
  // as one fails, and leaves some of its commands' failures unhandled: failing at once, that loop spun
  // and froze the node, and an unhandled failure (SUBSCRIBE, PUBLISH) ended it. Waiting, the loop waits,
  // and broadcasts made meanwhile (alerts, runs: a few a minute) go out when Redis is back.
  const client = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  client.on('error', () => {}); // the bus says Redis is away; ioredis reconnects
  redis.once('end', () => client.disconnect()); // the bus has closed: the node is stopping
  const make = createAdapter(client, { streamName: prefix, channelPrefix: prefix, sessionKeyPrefix: `${prefix}-session:` });
  const seal = (m: ClusterMessage): ClusterMessage => ({ ...m, data: signer.seal({ uid: m.uid, nsp: m.nsp, type: m.type, data: m.data }) });
  // A function, not an arrow: socket.io calls it with `new`, and takes the object it returns.
  return function signedAdapter(nsp: unknown) {
    const adapter = make(nsp) as unknown as AdapterHooks;
    const publish = adapter.doPublish.bind(adapter);
    const publishResponse = adapter.doPublishResponse.bind(adapter);
    const deliver = adapter.onMessage.bind(adapter);
    adapter.doPublish = (m) => publish(seal(m));
    adapter.doPublishResponse = (to, m) => publishResponse(to, seal(m));
    adapter.onMessage = (m, offset) => {
      const opened = signer.open(m.data);
      if (!opened.ok) return onRejected(`socket.io: ${opened.reason}`);
      const inner = opened.body as ClusterMessage;
      if (inner.uid !== m.uid || inner.nsp !== m.nsp || inner.type !== Number(m.type)) return onRejected('socket.io: envelope and message disagree');
      deliver({ ...m, type: inner.type, data: inner.data }, offset);
    };
    return adapter;
  } as unknown as ServerOptions['adapter'];
}
