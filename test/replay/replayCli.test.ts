import { mkdtemp, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resultsPrefix, runReplayCommand, type OpenReplayClassifier } from '../../src/cli/commands/replay';
import { copyFixtureBags, removeDir } from '../bag/fixtureBags';
import { fakeClassifier } from './fakeClassifier';

const DEMO = path.resolve(__dirname, '../../demo/edgenext_demo');

function collector(): { io: { stdout(l: string): void; stderr(l: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (l) => out.push(l), stderr: (l) => err.push(l) }, out, err };
}

let closed = 0;
let opened = 0;
const openFake: OpenReplayClassifier = async () => ({
  ...fakeClassifier(),
  opened: (opened += 1),
  close: async () => {
    closed += 1;
  },
});

let tmp: string;
let fixtures: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'edgenext-replaycli-'));
  fixtures = await copyFixtureBags(['talker_sqlite3']);
});
afterAll(async () => {
  await removeDir(tmp);
  await removeDir(fixtures);
});

describe('edgenext replay', () => {
  it('replays the demo bag at max speed, prints the summary and writes both result files', async () => {
    const c = collector();
    const before = closed;
    const code = await runReplayCommand(DEMO, { maxSpeed: true, out: tmp }, c.io, openFake);
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(closed).toBe(before + 1);
    const text = c.out.join('\n');
    expect(text).toContain('replayed /camera/image_raw/compressed [sensor_msgs/msg/CompressedImage] 42 messages');
    expect(text).toContain('note: the model has synthetic weights: class labels are not meaningful');
    expect(text).toContain('/camera/image_raw/compressed: 42 frames, 42 classified, dropped: 0');
    expect(text).toMatch(/latency: p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms/);
    expect(text).toMatch(/throughput: [\d.]+ frames\/s/);
    expect(text).toMatch(/top classes seen \(top-1 counts\): class_\d+ \[\d+\] x\d+/);
    const prefix = resultsPrefix(tmp, DEMO);
    expect(prefix).toBe(path.join(tmp, 'edgenext_demo_results'));
    expect((await stat(path.join(prefix, 'metadata.yaml'))).isFile()).toBe(true);
    expect((await readFile(`${prefix}.jsonl`, 'utf8')).trim().split('\n').length).toBe(42);
  });

  it('--json prints the summary as JSON; --no-out writes nothing', async () => {
    const c = collector();
    const out = path.join(tmp, 'none');
    expect(
      await runReplayCommand(DEMO, { maxSpeed: true, json: true, noOut: true, topK: '2', out }, c.io, openFake),
    ).toBe(0);
    const summary = JSON.parse(c.out.join('\n')) as {
      classified: number;
      resultsBag?: string;
      model: { syntheticWeights: boolean };
    };
    expect(summary.classified).toBe(42);
    expect(summary.resultsBag).toBeUndefined();
    expect(summary.model.syntheticWeights).toBe(true);
    await expect(stat(out)).rejects.toThrow();
  });

  it('a bag with no image topic -> one clear line and exit 1', async () => {
    const c = collector();
    const before = opened;
    expect(await runReplayCommand(path.join(fixtures, 'talker_sqlite3'), { noOut: true }, c.io, openFake)).toBe(1);
    expect(opened).toBe(before); // refused before a model is loaded
    expect(c.err.length).toBe(1);
    expect(c.err[0]).toMatch(/^edgenext replay: .*talker_sqlite3: no image topic/);
    expect(c.out).toEqual([]);
  });

  it.each([
    [{ rate: '2', maxSpeed: true }, '--rate and --max-speed exclude each other'],
    [{ rate: '0' }, "--rate must be a positive number (1.0 = recorded speed), got '0'"],
    [{ maxSpeed: true, window: '0' }, "--window must be an integer >= 1, got '0'"],
    [{ topK: 'x' }, "--top-k must be an integer >= 1, got 'x'"],
    [{ backend: 'gpu' }, "--backend must be one of auto, bpu, onnx, got 'gpu'"],
  ])('usage error %j -> exit 2', async (options, message) => {
    const c = collector();
    expect(await runReplayCommand(DEMO, options, c.io, openFake)).toBe(2);
    expect(c.err).toEqual([`edgenext replay: ${message}`]);
  });
});
