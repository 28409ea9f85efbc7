import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Database as PagedDatabase } from 'node-sqlite3-wasm';
import { HUMBLE_DDL, McapBagWriter } from '../src/bag';
import type { RawImage } from '../src/core/image';
import { decodeCompressed, readImageFile, rgbToEncoding } from '../src/image';
import { decodeImageMessage, encodeMessage, ros2msgSchemaText } from '../src/messages';
import { losslessOptions, runPipeline, validatePipelineOptions, type Frame } from '../src/pipeline';
import { replayBag, type ReplayClassifier } from '../src/replay';
import { openClassifier } from '../src/runtime/openClassifier';
import type { LargeReplayReport } from './largeDb3Replay';
import { spread } from './spread';
import type { BenchSection } from './types';

const FIXTURES = path.resolve(__dirname, '../../shared/fixtures');
// Resolved from dist/bench as well as from bench/.
const FIXTURES_DIR = existsSync(FIXTURES) ? FIXTURES : path.resolve(__dirname, '../../../shared/fixtures');

/** EDGENEXT_BENCH_QUICK=1: fewer frames and a smaller large bag, to check that the section runs. */
const QUICK = process.env['EDGENEXT_BENCH_QUICK'] === '1';
const FRAMES = QUICK ? 20 : 60;
const REPEATS = 3;
/** The large sqlite3 bag: at least 1 GiB (QUICK: 64 MiB). */
const LARGE_DB3_BYTES = QUICK ? 64 * 1024 ** 2 : 1024 ** 3;
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

/** The bare pipeline: the same pipeline function and window as replay --max-speed, frames already decoded. */
async function barePipelineFps(classifier: ReplayClassifier, frames: Frame[]): Promise<number> {
  async function* pulled(): AsyncGenerator<Frame> {
    for (const frame of frames) yield { ...frame, receiveTimeMs: performance.timeOrigin + performance.now() };
  }
  let done = 0;
  const start = performance.now();
  await runPipeline({
    options: losslessOptions(validatePipelineOptions({ ageReference: 'receive_time' }), WINDOW),
    deps: {
      backend: classifier.backend,
      preprocess: (i) => classifier.preprocess(i),
      postprocess: (l, k) => classifier.postprocess(l, k),
    },
    sources: new Map([['/camera', pulled()]]),
    onResult: () => (done += 1),
  });
  return (done * 1000) / (performance.now() - start);
}

/** Writes a rosbag2 sqlite3 file of at least `minBytes` of 720p bgr8 frames, page by page (never held in memory). */
export async function writeLargeDb3(file: string, cdr: Uint8Array, minBytes: number): Promise<number> {
  const db = new PagedDatabase(file);
  try {
    db.exec('PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;');
    db.exec(HUMBLE_DDL);
    db.exec("INSERT INTO topics VALUES (1, '/camera', 'sensor_msgs/msg/Image', 'cdr', '')");
    const insert = db.prepare('INSERT INTO messages (topic_id, timestamp, data) VALUES (1, ?, ?)');
    const count = Math.ceil(minBytes / cdr.byteLength);
    db.exec('BEGIN');
    for (let i = 0; i < count; i += 1) insert.run([BigInt(i) * 33_333_333n + 1_700_000_000_000_000_000n, cdr]);
    db.exec('COMMIT');
    insert.finalize();
    return count;
  } finally {
    db.close();
  }
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
      const bare: number[] = [];
      const replayed: number[] = [];
      const ratios: number[] = [];
      let dropped = 0;
      for (let repeat = 0; repeat < REPEATS; repeat += 1) {
        const bareFps = await barePipelineFps(classifier, frames);
        const summary = await replayBag({ bagPath: dir, pace: { mode: 'max_speed', window: WINDOW } }, classifier);
        bare.push(bareFps);
        replayed.push(summary.fps);
        ratios.push((100 * summary.fps) / bareFps);
        dropped += summary.droppedTotal;
      }
      rows.push(
        `| ${c.name} | ${FRAMES} | ${spread(bare, 1)} | ${spread(replayed, 1)} | ${spread(ratios, 0, ' %')} | ${dropped} |`,
      );
    }
    // A large sqlite3 bag, replayed in a child process so that its peak memory is the replay's alone.
    const largeFile = path.join(tmp, 'large.db3');
    const written = await writeLargeDb3(largeFile, rawMessages[0]!.cdr, LARGE_DB3_BYTES);
    const sizeGiB = (await stat(largeFile)).size / 1024 ** 3;
    const child = execFileSync(process.execPath, [path.join(__dirname, 'largeDb3Replay.js'), largeFile], {
      encoding: 'utf8',
      maxBuffer: 1024 * 1024,
    });
    const large = JSON.parse(child.trim().split('\n').at(-1) ?? '{}') as LargeReplayReport;
    const largeLine =
      `**Large sqlite3 bag**: ${sizeGiB.toFixed(2)} GiB .db3 of ${written} 720p bgr8 Image messages, written at ` +
      `bench time, replayed with \`--max-speed\` in a child process: ${large.classified} of ${large.frames} ` +
      `classified in ${(large.wallMs / 1000).toFixed(1)} s${large.error !== undefined ? ` (error: ${large.error})` : ''}, ` +
      `**peak RSS ${large.peakRssMiB.toFixed(0)} MiB** (the child's own VmHWM; target < 300 MB: ` +
      `${large.peakRssMiB * 1.048576 < 300 ? 'met' : '**not met**'}). The file is read in place page by page ` +
      '(node-sqlite3-wasm), never loaded whole.';
    const markdown = [
      `Replay throughput with \`--max-speed\` (window ${WINDOW} frames) on ${classifier.card.modelName} (${classifier.card.backend}` +
        `${classifier.card.syntheticWeights ? ', synthetic weights' : ''}), ${FRAMES} frames per bag, bags written to a temp dir (MCAP) at bench time.`,
      'Bare pipeline: the same pipeline function (runPipeline) with the same frames already decoded in memory,',
      'pulled through the same window; replay adds reading the bag and CDR decoding. Each row is measured',
      `${REPEATS} times (bare and replay alternating); cells give the median (min .. max). Target: replay >= 90 % of`,
      'the bare pipeline for the 720p bgr8 bag.',
      '',
      '| bag | frames | bare pipeline (frames/s) | replay --max-speed (frames/s) | replay / bare | dropped (all repeats) |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      largeLine,
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
