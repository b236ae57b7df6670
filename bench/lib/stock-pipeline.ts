import { once } from 'node:events';
import {
  MavLinkPacketParser,
  MavLinkPacketSplitter,
  ardupilotmega,
  common,
  minimal,
  standard,
  type MavLinkData,
  type MavLinkDataConstructor,
  type MavLinkPacket,
} from 'node-mavlink';

/** The same dialects SkyBeat loads for what real ArduCopters send (decode only needs the classes). */
const REGISTRY: Record<number, MavLinkDataConstructor<MavLinkData>> = {
  ...minimal.REGISTRY,
  ...common.REGISTRY,
  ...standard.REGISTRY,
  ...ardupilotmega.REGISTRY,
};

/**
 * The baseline: node-mavlink's documented pipeline, MavLinkPacketSplitter → MavLinkPacketParser
 * → protocol.data() decode, fed the same chunks, waiting for 'drain' when the splitter asks
 * (as a socket piped into it would), so no queue of chunks builds up. Resolves with the number
 * of decoded messages once everything has gone through.
 */
export async function stockPipeline(chunks: Buffer[]): Promise<number> {
  const splitter = new MavLinkPacketSplitter();
  const parser = new MavLinkPacketParser();
  let decoded = 0;
  parser.on('data', (p: MavLinkPacket) => {
    const cls = REGISTRY[p.header.msgid];
    if (cls && p.protocol.data(p.payload, cls)) decoded++;
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
    splitter.on('error', reject);
  });
  splitter.pipe(parser);
  for (const c of chunks) {
    if (!splitter.write(c)) await once(splitter, 'drain');
  }
  splitter.end();
  await done;
  return decoded;
}
