import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runClassify, type ClassifyCommandOptions } from '../../src/cli/commands/classify';
import { ensureEmulator, EXAMPLE_MODEL } from '../backends/bpu/emulator';
import { writeGrayPng } from '../support/grayPng';
import { FIXTURE_IMAGES } from '../support/paths';

const modelDir = mkdtempSync(path.join(tmpdir(), 'edgenext-classify-'));

async function run(inputs: string[], options: ClassifyCommandOptions = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runClassify(
    inputs,
    { modelDir, ...options },
    { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) },
  );
  return { code, stdout, stderr };
}

describe('edgenext classify', () => {
  it('prints top-5 for every valid image and one clear error per broken one, and exits 1', async () => {
    const { code, stdout, stderr } = await run([
      path.join(FIXTURE_IMAGES, 'Zebra.jpg'),
      path.join(FIXTURE_IMAGES, 'edge'),
      path.join(FIXTURE_IMAGES, 'does_not_exist.jpg'),
    ]);
    expect(code).toBe(1);
    expect(stderr[0]).toBe(`error: ${path.join(FIXTURE_IMAGES, 'does_not_exist.jpg')}: file not found`);
    expect(stderr).toContainEqual(expect.stringMatching(/SYNTHETIC WEIGHTS .*class labels are not meaningful/));
    expect(stderr).toContainEqual(
      expect.stringMatching(new RegExp(`^error: .*skimage_truncated\\.jpg: .*(decode|corrupt|premature)`, 'i')),
    );
    expect(stderr[stderr.length - 1]).toBe('2 of 4 inputs failed');
    const headers = stdout.filter((line) => !line.startsWith('  '));
    expect(headers.map((line) => path.basename(line.split('  ')[0]!))).toEqual([
      'Zebra.jpg',
      'skimage_palette_color.png',
    ]);
    expect(headers[0]).toMatch(/\(preprocess \d+\.\d ms, inference \d+\.\d ms\)$/);
    const ranks = stdout.filter((line) => line.startsWith('  '));
    expect(ranks).toHaveLength(10);
    expect(ranks[0]).toMatch(/^ {2}1\. 0\.\d{4} {2}.+ \(\d+\)$/);
  });

  it('gives the same scores for the CMYK and RGB versions of a photo', async () => {
    const { code, stdout } = await run(
      [path.join(FIXTURE_IMAGES, 'Zebra.jpg'), path.join(FIXTURE_IMAGES, 'Zebra_cmyk.jpg')],
      {
        json: true,
        topK: '3',
      },
    );
    expect(code).toBe(0);
    const [rgb, cmyk] = stdout.map(
      (line) => JSON.parse(line) as { topK: { classId: number; score: number }[]; syntheticWeights: boolean },
    );
    expect(rgb!.syntheticWeights).toBe(true);
    expect(cmyk!.topK.map((t) => t.classId)).toEqual(rgb!.topK.map((t) => t.classId));
    cmyk!.topK.forEach((t, i) => expect(t.score).toBeCloseTo(rgb!.topK[i]!.score, 2));
  });

  it('runs on the BPU backend through the runtime library it is given', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgenext-gray-'));
    const gray = path.join(dir, 'gray128.png');
    await writeGrayPng(gray);
    const { code, stdout, stderr } = await run([gray], {
      backend: 'bpu',
      model: EXAMPLE_MODEL,
      bpuLib: ensureEmulator(),
      json: true,
      topK: '1',
    });
    expect(stderr.join('\n')).not.toContain('error');
    expect(code).toBe(0);
    // Letterbox pads 320x240 to 224x168 + 2x28 rows of grey 127: mean luma = (168*126 + 56*125)/224 = 125.75,
    // so the emulated model's top-1 is round(125.75 * 999 / 255) = 493.
    const result = JSON.parse(stdout[0]!) as {
      backend: string;
      topK: { classId: number }[];
      labelsMeaningful: boolean;
      labelsNote: string;
    };
    expect(result.backend).toBe('bpu');
    expect(result.topK[0]!.classId).toBe(493);
    // The emulator's ImageNet label and high score mean nothing: the JSON and the text header both say so.
    expect(result.labelsMeaningful).toBe(false);
    expect(result.labelsNote).toContain('BPU EMULATOR');
    expect(stderr).toContainEqual(expect.stringMatching(/on bpu .*BPU EMULATOR .*class labels are not meaningful/));
  });

  it('refuses bad arguments with one line and exit code 2', async () => {
    expect(await run([], {})).toMatchObject({
      code: 2,
      stderr: ['edgenext classify: give at least one image file or folder'],
    });
    expect(await run(['x.jpg'], { topK: 'five' })).toMatchObject({
      code: 2,
      stderr: ['edgenext classify: --top-k must be an integer from 1 to 1000, got "five"'],
    });
    expect(await run(['x.jpg'], { backend: 'gpu' })).toMatchObject({
      code: 2,
      stderr: ['edgenext classify: --backend must be one of auto, bpu, onnx, got "gpu"'],
    });
  });

  it('exits 1 with the reason when the model cannot be opened', async () => {
    const { code, stderr } = await run([path.join(FIXTURE_IMAGES, 'Zebra.jpg')], { model: '/nowhere/model.onnx' });
    expect(code).toBe(1);
    expect(stderr).toEqual(['edgenext classify: model file not found: /nowhere/model.onnx']);
  });
});
