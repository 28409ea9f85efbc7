import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Subject } from 'rxjs';
import { McapBagWriter } from '../src/bag';
import type { RawImage } from '../src/core/image';
import { decodeCompressed, readImageFile, rgbToEncoding } from '../src/image';
import { decodeImageMessage, encodeMessage, ros2msgSchemaText } from '../src/messages';
import { createPipeline, type Frame } from '../src/pipeline';
import { replayBag, type ReplayClassifier } from '../src/replay';
import { openClassifier } from '../src/runtime/openClassifier';
import type { BenchSection } from './types';

const FIXTURES = path.resolve(__dirname, '../../shared/fixtures');
// Resolved from dist/bench as well as from bench/.
const FIXTURES_DIR = existsSync(FIXTURES) ? FIXTURES : path.resolve(__dirname, '../../../shared/fixtures');

const FRAMES = 60;
/** Same window for the bare pipeline and replay, so the only difference is reading + CDR decoding. */
const WINDOW = 8;

/** A 1280x720 rgb8 frame cut from the middle of a larger photo (the 1920x1080 RDK demo dog). */
async function frame720p(): Promise<RawImage> {
  const rgb = await decodeCompressed(await readImageFile(path.join(FIXTURES_DIR, 'images', 'rdk_clip_dog.jpg')));
  const width = 1280;
  const height = 720;
  const x0 = Math.floor((rgb.width - width) / 2);
  const y0 = Math.floor((rgb.height - height) / 2);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    const from = (y0 + y) * rgb.step + x0 * 3;
    data.set(rgb.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { kind: 'raw', width, height, encoding: 'rgb8', step: width * 3, data };
}

async function writeBag(dir: string, messages: { type: string; cdr: Uint8Array }[]): Promise<void> {
  const writer = await McapBagWriter.create(dir, { schemaTextFor: ros2msgSchemaText, overwrite: true });
  for (const [i, m] of messages.entries()) await writer.addMessage('/camera', m.type, BigInt(i) * 33_333_333n, m.cdr);
  await writer.close();
}

/** The bare pipeline: frames already decoded in memory, fed with the same window as replay --max-speed. */
async function barePipelineFps(classifier: ReplayClassifier, frames: Frame[]): Promise<number> {
  const pipeline = createPipeline(
    { queuePolicy: 'drop_newest', queueDepth: WINDOW, ageReference: 'receive_time' },
    {
      backend: classifier.backend,
      preprocess: (i) => classifier.preprocess(i),
      postprocess: (l, k) => classifier.postprocess(l, k),
    },
  );
  const source = new Subject<Frame>();
  let done = 0;
  let wake: (() => void) | undefined;
  pipeline.results.subscribe(() => {
    done += 1;
    wake?.();
  });
  pipeline.addSource('/camera', source);
  const start = performance.now();
  for (const [i, frame] of frames.entries()) {
    while (i - done >= WINDOW) await new Promise<void>((resolve) => (wake = resolve));
    source.next({ ...frame, receiveTimeMs: Date.now() });
  }
  source.complete();
  await pipeline.drained();
  const seconds = (performance.now() - start) / 1000;
  await pipeline.shutdown();
  return done / seconds;
}

export async function run(): Promise<BenchSection> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-bench-replay-'));
  const classifier = await openClassifier({});
  try {
    const rows: string[] = [];
    const raw = rgbToEncoding(await frame720p(), 'bgr8');
    const header = (i: number): { stamp: { sec: number; nanosec: number }; frame_id: string } => ({
      stamp: { sec: i, nanosec: 0 },
      frame_id: 'camera',
    });
    const rawMessages = Array.from({ length: FRAMES }, (_, i) => ({
      type: 'sensor_msgs/msg/Image',
      cdr: encodeMessage('sensor_msgs/msg/Image', {
        header: header(i),
        height: raw.height,
        width: raw.width,
        encoding: 'bgr8',
        is_bigendian: 0,
        step: raw.step,
        data: raw.data,
      }),
    }));
    const jpegFiles = (await readdir(path.join(FIXTURES_DIR, 'images'))).filter((f) => /\.jpe?g$/i.test(f)).sort();
    const jpegs = await Promise.all(jpegFiles.map((f) => readImageFile(path.join(FIXTURES_DIR, 'images', f))));
    const jpegMessages = Array.from({ length: FRAMES }, (_, i) => ({
      type: 'sensor_msgs/msg/CompressedImage',
      cdr: encodeMessage('sensor_msgs/msg/CompressedImage', {
        header: header(i),
        format: 'jpeg',
        data: jpegs[i % jpegs.length]!.data,
      }),
    }));
    const cases = [
      { name: '720p bgr8 Image (1280x720)', messages: rawMessages },
      {
        name: `JPEG CompressedImage (${jpegs.length} fixture photos, 75x56 .. 2400x1600, cycled)`,
        messages: jpegMessages,
      },
    ];
    for (const c of cases) {
      const dir = path.join(tmp, c.name.split(' ')[0]!.toLowerCase());
      await writeBag(dir, c.messages);
      const frames = c.messages.map((m) => ({ ...decodeImageMessage(m.type, m.cdr), receiveTimeMs: 0 }));
      await barePipelineFps(classifier, frames.slice(0, 8)); // warm-up
      const bare = await barePipelineFps(classifier, frames);
      const summary = await replayBag({ bagPath: dir, pace: { mode: 'max_speed', window: WINDOW } }, classifier);
      rows.push(
        `| ${c.name} | ${FRAMES} | ${bare.toFixed(1)} | ${summary.fps.toFixed(1)} | ${((summary.fps / bare) * 100).toFixed(0)} % | ${summary.droppedTotal} |`,
      );
    }
    const markdown = [
      `Replay throughput with \`--max-speed\` (window ${WINDOW} frames) on ${classifier.card.modelName} (${classifier.card.backend}` +
        `${classifier.card.syntheticWeights ? ', synthetic weights' : ''}), ${FRAMES} frames per bag, bags written to a temp dir (MCAP) at bench time.`,
      'Bare pipeline: the same frames already decoded in memory, fed with the same window; replay adds reading the bag and CDR decoding.',
      '',
      '| bag | frames | bare pipeline (frames/s) | replay --max-speed (frames/s) | replay / bare | dropped |',
      '|---|---|---|---|---|---|',
      ...rows,
    ].join('\n');
    return { title: 'Bag replay throughput', markdown };
  } finally {
    await classifier.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run()
    .then((s) => console.log(s.markdown))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
