import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runReplayCommand } from '../../src/cli/commands/replay';
import type { ClassScore } from '../../src/core/classification';
import { makeImageBag } from '../../src/bagmake';
import { replayBag, type ReplaySummary } from '../../src/replay';
import { pipelineOptionsFrom } from '../../src/ros/ClassifierNode';
import { readNodeParamsFile } from '../../src/ros/paramsFile';
import { removeDir } from '../bag/fixtureBags';
import { createFakeClassifier } from '../ros/support/fakeClassifier';
import { PARAMS_FILE } from '../ros/support/harness';
import { rejection } from '../support/errors';
import { colourPngs, runNodeOnBag } from './support';

const TOPIC = '/camera/image_raw/compressed';

/** Every pipeline parameter off its default; the node's own section overrides the wildcard one. */
const PARAMS = `/**:
  ros__parameters:
    image_topics: ['${TOPIC}']
    top_k: 2
    score_threshold: 0.8
    queue_policy: drop_oldest
    queue_depth: 3
    max_age_ms: 5000
    age_reference: receive_time
    max_batch: 2
    max_wait_ms: 4
    max_inflight: 1
classifier:
  ros__parameters:
    queue_depth: 4
`;

let tmp: string;
let paramsFile: string;
let bagDir: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-params-'));
  paramsFile = path.join(tmp, 'params.yaml');
  await writeFile(paramsFile, PARAMS);
  const files = await colourPngs(tmp, [
    [200, 70, 60],
    [40, 215, 50],
    [60, 70, 200],
    [150, 140, 60],
  ]);
  bagDir = path.join(tmp, 'bag');
  await makeImageBag({ inputs: files, outDir: bagDir, encoding: 'png', rateHz: 20 });
});
afterAll(async () => {
  await removeDir(tmp);
});

describe('replay --params', () => {
  it('reads the same settings the node starts with from that file', async () => {
    for (const file of [PARAMS_FILE, paramsFile]) {
      const { classifier } = createFakeClassifier();
      const node = await runNodeOnBag(classifier, bagDir, TOPIC, [
        '--params-file',
        file,
        '-p',
        `image_topics:=['${TOPIC}']`,
      ]);
      expect({ ...(await readNodeParamsFile(file)), imageTopics: [TOPIC] }).toEqual(node.settings);
    }
  });

  it('runs the pipeline exactly as a node run with that file, with the same results', async () => {
    const { classifier } = createFakeClassifier();
    const node = await runNodeOnBag(classifier, bagDir, TOPIC, ['--params-file', paramsFile]);
    expect(node.options).toMatchObject({ queuePolicy: 'drop_oldest', queueDepth: 4, maxBatch: 2, maxInflight: 1 });

    const out: string[] = [];
    const err: string[] = [];
    const code = await runReplayCommand(
      bagDir,
      { params: paramsFile, noOut: true, json: true },
      { stdout: (l) => out.push(l), stderr: (l) => err.push(l) },
      async () => ({ ...createFakeClassifier().classifier, close: async () => undefined }),
    );
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const summary = JSON.parse(out.join('\n')) as ReplaySummary;
    expect(summary.pipeline).toEqual(node.options);

    const results: { topK: ClassScore[]; unknown: boolean }[] = [];
    const replayed = await replayBag(
      {
        bagPath: bagDir,
        pipeline: pipelineOptionsFrom(await readNodeParamsFile(paramsFile)),
        onResult: (r) => results.push({ topK: [...r.classification.topK], unknown: r.classification.unknown }),
      },
      createFakeClassifier().classifier, // the node closed its own at stop
    );
    expect(replayed).toMatchObject({ frames: 4, classified: 4, droppedTotal: 0 });
    expect(results.map((r) => r.topK.map((s) => ({ ...s, score: Math.fround(s.score) })))).toEqual(node.results);
    expect(results.map((r) => r.unknown)).toEqual(node.unknown);
    expect(node.unknown).toContain(true); // the threshold really applied
    expect(node.results.every((r) => r.length === 2)).toBe(true);
  });

  it('refuses a file the node would refuse, with the node reason and the file name', async () => {
    const bad = path.join(tmp, 'bad.yaml');
    await writeFile(bad, '/**:\n  ros__parameters:\n    score_threshold: 1\n');
    expect((await rejection(readNodeParamsFile(bad))).message).toBe(
      `${bad}: parameter score_threshold must be double, got integer (write doubles with a decimal point, e.g. 1.0)`,
    );
    await writeFile(bad, '/classifier:\n  ros__parameters:\n    queue_policy: newest\n');
    expect((await rejection(readNodeParamsFile(bad))).message).toBe(
      `${bad}: no '/**' or 'classifier' section with ros__parameters (rclnodejs reads only those)`,
    );
    await writeFile(bad, 'classifier:\n  ros__parameters:\n    queue_policy: newest\n');
    expect((await rejection(readNodeParamsFile(bad))).message).toBe(
      `${bad}: parameter queue_policy = 'newest' is not one of: 'latest', 'drop_oldest', 'drop_newest'`,
    );
  });
});
