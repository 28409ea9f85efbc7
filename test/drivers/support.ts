import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { openBag } from '../../src/bag';
import type { ClassScore } from '../../src/core/classification';
import type { RosEdgenextClassification } from '../../src/messages';
import { createPipeline, type PipelineOptions } from '../../src/pipeline';
import { decodeImageMessage } from '../../src/messages';
import { ClassifierNode } from '../../src/ros/ClassifierNode';
import type { NodeSettings } from '../../src/ros/parameters';
import type { CreatePipeline, NodeClassifier } from '../../src/ros/ports';
import { createRclDouble } from '../ros/double/rclnodejsDouble';
import { asRcl, rosArgs } from '../ros/support/harness';

/** Small PNGs of plain colours, one per entry, written to `dir`. */
export async function colourPngs(dir: string, colours: readonly [number, number, number][]): Promise<string[]> {
  const files: string[] = [];
  for (const [i, [r, g, b]] of colours.entries()) {
    const file = path.join(dir, `frame_${String(i).padStart(2, '0')}.png`);
    await writeFile(
      file,
      await sharp({ create: { width: 16, height: 12, channels: 3, background: { r, g, b } } })
        .png()
        .toBuffer(),
    );
    files.push(file);
  }
  return files;
}

export interface NodeRun {
  /** The options the node gave its pipeline, as the pipeline holds them. */
  readonly options: PipelineOptions;
  /** Top-k of each result, in publication order (scores as float32, as the message carries them). */
  readonly results: ClassScore[][];
  /** The `unknown` flag of each result. */
  readonly unknown: boolean[];
  readonly settings: NodeSettings;
}

/**
 * Runs the real ClassifierNode on the rclnodejs double with `classifier`, feeds it every message of `bagDir`'s
 * `topic` one at a time (the next once the previous result is out, so nothing is dropped for room) and collects
 * its results.
 */
export async function runNodeOnBag(
  classifier: NodeClassifier,
  bagDir: string,
  topic: string,
  rosArguments: readonly string[],
): Promise<NodeRun> {
  const double = createRclDouble({ argv: rosArgs(...rosArguments) });
  let options: PipelineOptions | undefined;
  const spy: CreatePipeline = (pipelineOptions, deps) => {
    const pipeline = createPipeline(pipelineOptions, deps);
    options = pipeline.options;
    return pipeline;
  };
  const node = await ClassifierNode.start(
    { rcl: asRcl(double), openClassifier: async () => classifier, createPipeline: spy, decodeImageMessage },
    { drainTimeoutMs: 500 },
  );
  try {
    const probe = double.graph.probe<RosEdgenextClassification>(
      '/classifier/classification',
      'edgenext/msg/Classification',
    );
    const reader = await openBag(bagDir);
    const type = reader.topics.find((t) => t.name === topic)?.type ?? '';
    const publisher = double.graph.publisher(topic, type);
    let sent = 0;
    try {
      for await (const message of reader.readMessages({ topics: [topic] })) {
        // The bag's own CDR bytes: the node gets exactly what replay reads.
        publisher.publish(message.data);
        sent += 1;
        await probe.waitFor(sent).catch((error: unknown) => {
          throw new Error(`${String(error)}; node log: ${JSON.stringify(double.graph.logs.slice(-8))}`);
        });
      }
    } finally {
      await reader.close();
    }
    if (options === undefined) throw new Error('the node built no pipeline');
    const results = probe.messages.map((m) =>
      m.labels.map((label, i) => ({ classId: Number(m.class_ids[i]), label, score: m.scores[i] ?? NaN })),
    );
    return { options, results, unknown: probe.messages.map((m) => m.unknown), settings: node.settings };
  } finally {
    await node.stop();
  }
}
