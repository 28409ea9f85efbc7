import type { BagMessage, BagReader } from '../../src/bag';

/** Every message of a reader (optionally of some topics), in the order the reader yields them. */
export async function collectMessages(reader: BagReader, topics?: readonly string[]): Promise<BagMessage[]> {
  const out: BagMessage[] = [];
  for await (const m of reader.readMessages(topics === undefined ? {} : { topics })) out.push(m);
  return out;
}
