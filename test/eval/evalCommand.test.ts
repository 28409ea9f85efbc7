import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runClassify } from '../../src/cli/commands/classify';
import { runEval, type EvalCommandOptions } from '../../src/cli/commands/eval';
import { EMULATOR_LIB, ensureEmulator, EXAMPLE_MODEL } from '../backends/bpu/emulator';
import { FIXTURE_IMAGES, FIXTURES } from '../support/paths';
import { collector } from '../support/collectIo';

const IMAGES = [
  'Zebra.jpg',
  'cheetah.JPEG',
  'goldfish.JPEG',
  'n01440764_tench.JPEG',
  'n02123045_tabby.JPEG',
  'n03792782_mountain_bike.JPEG',
  'n04254680_soccer_ball.JPEG',
  'n07747607_orange.JPEG',
  'bucket.JPEG',
  'hook.JPEG',
];

interface Top {
  classId: number;
  score: number;
}

const modelDir = mkdtempSync(path.join(tmpdir(), 'edgenext-eval-'));
afterAll(() => rmSync(modelDir, { recursive: true, force: true }));

const ONNX = { model: ['synthetic:xx_small'], modelDir };
const EMULATED = { model: [EXAMPLE_MODEL], backend: 'bpu', bpuLib: EMULATOR_LIB };
const BOTH: EvalCommandOptions = {
  model: ['synthetic:xx_small', `${EXAMPLE_MODEL}@bpu`],
  bpuLib: EMULATOR_LIB,
  modelDir,
};

/** What `edgenext classify --json` says about each image: the reference the eval figures must equal. */
async function classifyAll(options: { model: string[]; backend?: string; bpuLib?: string; modelDir?: string }) {
  const io = collector();
  const files = IMAGES.map((name) => path.join(FIXTURE_IMAGES, name));
  const code = await runClassify(files, { ...options, model: options.model[0], json: true }, io);
  expect(code).toBe(0);
  const byFile = new Map<string, Top[]>();
  for (const line of io.out) {
    const result = JSON.parse(line) as { file: string; topK: Top[] };
    byFile.set(path.basename(result.file), result.topK);
  }
  return byFile;
}

describe('edgenext eval', () => {
  let onnx: Map<string, Top[]>;
  let emulated: Map<string, Top[]>;
  /** Ground truth: the ONNX model's top-1 for the first 5 images, its 3rd class for 2, an unrelated class for 3. */
  const truth = new Map<string, number>();
  let root: string;
  let synsets: string[];

  beforeAll(async () => {
    ensureEmulator();
    onnx = await classifyAll(ONNX);
    emulated = await classifyAll(EMULATED);
    IMAGES.forEach((name, i) => {
      const top = onnx.get(name) as Top[];
      const own = top.map((t) => t.classId);
      let unrelated = (own[0]! + 500) % 1000;
      while (own.includes(unrelated) || (emulated.get(name) ?? []).some((t) => t.classId === unrelated)) unrelated++;
      truth.set(name, i < 5 ? top[0]!.classId : i < 7 ? top[2]!.classId : unrelated);
    });
    synsets = readFileSync(path.join(FIXTURES, 'imagenet', 'synsets.txt'), 'utf8')
      .trim()
      .split('\n');
    // ImageFolder named by synset.
    root = path.join(modelDir, 'imagefolder');
    for (const name of IMAGES) {
      const folder = path.join(root, synsets[truth.get(name)!]!);
      mkdirSync(folder, { recursive: true });
      copyFileSync(path.join(FIXTURE_IMAGES, name), path.join(folder, name));
    }
  }, 120_000);

  /** Top-1 / Top-5 counts of one model's classify results against the ground truth. */
  function expectedCounts(results: Map<string, Top[]>): { top1: number; top5: number } {
    let top1 = 0;
    let top5 = 0;
    for (const name of IMAGES) {
      const ids = results.get(name)!.map((t) => t.classId);
      if (ids[0] === truth.get(name)) top1++;
      if (ids.includes(truth.get(name)!)) top5++;
    }
    return { top1, top5 };
  }

  async function evalJson(dataset: string, options: EvalCommandOptions) {
    const io = collector();
    const code = await runEval(dataset, { ...options, json: true }, io);
    expect(io.out).toHaveLength(1);
    return { code, err: io.err, report: JSON.parse(io.out[0]!) };
  }

  it('scores ONNX and the emulated BPU side by side, equal to classify, with their parity', async () => {
    const { code, err, report } = await evalJson(root, BOTH);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const onnxCounts = expectedCounts(onnx);
    const emuCounts = expectedCounts(emulated);
    // The ground truth was built so the ONNX figures are known: 5 top-1 hits, 7 top-5 hits out of 10.
    expect(onnxCounts).toEqual({ top1: 5, top5: 7 });
    expect(report.images).toBe(10);
    expect(report.evaluated).toBe(10);
    expect(
      report.models.map((m: { top1Correct: number; top5Correct: number; top1: number; backend: string }) => [
        m.backend,
        m.top1Correct,
        m.top5Correct,
        m.top1,
      ]),
    ).toEqual([
      ['onnx', onnxCounts.top1, onnxCounts.top5, onnxCounts.top1 / 10],
      ['bpu', emuCounts.top1, emuCounts.top5, emuCounts.top1 / 10],
    ]);

    let agree = 0;
    const diffs: number[] = [];
    for (const name of IMAGES) {
      const a = onnx.get(name)![0]!;
      const b = emulated.get(name)![0]!;
      if (a.classId === b.classId) agree++;
      diffs.push(Math.abs(a.score - b.score));
    }
    const [pair] = report.pairs;
    expect(pair.a).toBe('synthetic:xx_small');
    expect(pair.b).toBe('EdgeNeXt_xx_small_224x224_nv12.emu.json@bpu');
    expect(pair.top1Agreement).toBeCloseTo(agree / 10, 10);
    expect(pair.meanTop1ProbabilityDifference).toBeCloseTo(diffs.reduce((s, d) => s + d, 0) / 10, 6);
    expect(pair.maxTop1ProbabilityDifference).toBeCloseTo(Math.max(...diffs), 6);
    expect(pair.maxTop1ProbabilityDifference).toBeGreaterThan(0);
    expect(report.ranOn[0].syntheticWeights).toBe(true);
    expect(report.ranOn[1].emulated).toBe(true);
  }, 120_000);

  it('reads a flat folder with a "file class" ground-truth file, or a JSON manifest, to the same figures', async () => {
    const flat = path.join(modelDir, 'flat');
    mkdirSync(flat, { recursive: true });
    for (const name of IMAGES) copyFileSync(path.join(FIXTURE_IMAGES, name), path.join(flat, name));
    const lines = path.join(modelDir, 'val.txt');
    writeFileSync(lines, `# ImageNet val style\n${IMAGES.map((n) => `${n} ${truth.get(n)}`).join('\n')}\n`);
    const manifest = path.join(modelDir, 'val.json');
    writeFileSync(manifest, JSON.stringify(IMAGES.map((n) => ({ file: n, synset: synsets[truth.get(n)!] }))));
    const expected = expectedCounts(onnx);
    for (const groundTruth of [lines, manifest]) {
      const { code, report } = await evalJson(flat, { ...ONNX, groundTruth });
      expect(code).toBe(0);
      expect([report.models[0].top1Correct, report.models[0].top5Correct]).toEqual([expected.top1, expected.top5]);
    }
  }, 120_000);

  it('accepts class folders named by label or index', async () => {
    const named = path.join(modelDir, 'named');
    // "tench, Tinca tinca" -> tench; class 1 by index.
    mkdirSync(path.join(named, 'tench'), { recursive: true });
    mkdirSync(path.join(named, '1'), { recursive: true });
    copyFileSync(path.join(FIXTURE_IMAGES, 'n01440764_tench.JPEG'), path.join(named, 'tench', 'a.jpg'));
    copyFileSync(path.join(FIXTURE_IMAGES, 'goldfish.JPEG'), path.join(named, '1', 'b.jpg'));
    const { report } = await evalJson(named, { ...ONNX, perClass: true });
    expect(report.perClass.map((c: { classId: number; images: number }) => [c.classId, c.images])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    const bad = path.join(modelDir, 'ambiguous');
    mkdirSync(path.join(bad, 'crane'), { recursive: true });
    const io = collector();
    expect(await runEval(bad, ONNX, io)).toBe(1);
    expect(io.err).toEqual([
      `edgenext eval: class folder ${path.join(bad, 'crane')}: "crane" names 2 classes (134, 517); use the index or the synset`,
    ]);
  }, 60_000);

  it('prints the table, counts an unreadable image in one line without stopping, and honours --limit', async () => {
    const broken = path.join(root, synsets[truth.get('Zebra.jpg')!]!, 'zz_truncated.jpg');
    copyFileSync(path.join(FIXTURE_IMAGES, 'edge', 'skimage_truncated.jpg'), broken);
    try {
      const io = collector();
      expect(await runEval(root, { ...BOTH, perClass: true }, io)).toBe(1);
      expect(io.err).toEqual([expect.stringMatching(new RegExp(`^error: ${broken.replace(/\./g, '\\.')}: `))]);
      const counts = expectedCounts(onnx);
      expect(io.out.slice(0, 6)).toEqual([
        `${root}: 10 of 11 images evaluated (1 unreadable, left out for every model)`,
        '',
        '| model | backend | Top-1 | Top-5 |',
        '|---|---|---|---|',
        `| synthetic:xx_small | onnx | ${(counts.top1 * 10).toFixed(2)}% (${counts.top1}/10) | ${(counts.top5 * 10).toFixed(2)}% (${counts.top5}/10) |`,
        expect.stringMatching(/^\| EdgeNeXt_xx_small_224x224_nv12\.emu\.json@bpu \| bpu \| /),
      ]);
      expect(io.out).toContain('| pair | top-1 agreement | mean top-1 prob difference | max top-1 prob difference |');
      expect(io.out).toContainEqual(
        expect.stringMatching(/^\| class \| label \| images \| Top-1 synthetic:xx_small \| Top-1 /),
      );
      expect(io.out).toContainEqual(
        expect.stringMatching(
          /^synthetic:xx_small: EdgeNeXt_xx_small_synthetic_seed12345 on ONNX Runtime on .* — SYNTHETIC WEIGHTS: its accuracy says nothing about EdgeNeXt$/,
        ),
      );
      expect(io.out).toContainEqual(
        expect.stringMatching(
          /^EdgeNeXt_xx_small_224x224_nv12\.emu\.json@bpu: .* on BPU EMULATOR \(libdnn .*emulator.*\) — BPU EMULATOR: its outputs follow the emulator rule, not the network$/,
        ),
      );

      const limited = await evalJson(root, { ...ONNX, limit: '3' });
      expect([limited.report.images, limited.report.evaluated]).toEqual([3, 3]);
    } finally {
      rmSync(broken);
    }
  }, 120_000);

  it('refuses bad arguments and a folder that is no dataset, with the reason', async () => {
    const io = collector();
    expect(await runEval(root, { ...ONNX, limit: '0' }, io)).toBe(2);
    expect(io.err).toEqual(['edgenext eval: --limit must be an integer from 1 to 100000000, got "0"']);
    const flat = collector();
    expect(await runEval(path.join(FIXTURE_IMAGES, 'edge'), ONNX, flat)).toBe(1);
    expect(flat.err[0]).toMatch(
      /has no class sub-folders; give an ImageFolder .* or a flat folder with --ground-truth <file>$/,
    );
  }, 60_000);
});
