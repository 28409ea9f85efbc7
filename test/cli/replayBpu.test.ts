import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runReplayCommand } from '../../src/cli/commands/replay';
import { encodeCompressed } from '../../src/image';
import { makeImageBag } from '../../src/bagmake';
import { ensureEmulator, EXAMPLE_MODEL } from '../backends/bpu/emulator';

/** A 224x224 grey PNG: letterboxing leaves it unpadded, so its NV12 luma is uniform. */
async function grayPng(dir: string, name: string, level: number): Promise<string> {
  const png = await encodeCompressed(
    {
      kind: 'raw',
      width: 224,
      height: 224,
      encoding: 'rgb8',
      step: 672,
      data: new Uint8Array(224 * 224 * 3).fill(level),
    },
    'png',
  );
  const file = path.join(dir, name);
  writeFileSync(file, png.data);
  return file;
}

describe('edgenext replay on the BPU backend (emulated libdnn)', () => {
  it('classifies every frame of a bag through the koffi binding, in stamp order', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgenext-replay-bpu-'));
    const frames = [await grayPng(dir, 'a.png', 0), await grayPng(dir, 'b.png', 128), await grayPng(dir, 'c.png', 255)];
    const bag = await makeImageBag({
      inputs: frames,
      outDir: path.join(dir, 'gray_bag'),
      storage: 'sqlite3',
      encoding: 'bgr8',
      rateHz: 10,
      startTimeNs: 1_700_000_000_000_000_000n,
    });
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await runReplayCommand(
      bag.dir,
      {
        maxSpeed: true,
        backend: 'bpu',
        model: EXAMPLE_MODEL,
        bpuLib: ensureEmulator(),
        out: path.join(dir, 'results'),
        topK: '1',
        json: true,
      },
      { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), progress: false },
    );
    expect(stderr.filter((l) => l.includes('error'))).toEqual([]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.join('\n')) as {
      classified: number;
      droppedTotal: number;
      model: { backend: string };
    };
    expect(summary).toMatchObject({
      classified: 3,
      droppedTotal: 0,
      model: { backend: 'bpu', labelsMeaningful: false, labelsNote: expect.stringContaining('BPU EMULATOR') },
    });

    // BT.601 limited-range luma of grey L is ((220 L + 128) >> 8) + 16: 16, 126, 235 for L = 0, 128, 255; the emulated
    // model's top-1 is round(Y * 999 / 255): 63, 494, 921.
    const lines = readFileSync(path.join(dir, 'results', 'gray_bag_results.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const results = lines.map(
      (l) =>
        JSON.parse(l) as {
          stampNs: string;
          topK: { classId: number }[];
          backend: string;
          labelsMeaningful: boolean;
          labelsNote: string;
        },
    );
    // The emulator's classes are a function of the mean luma: every result line says its labels mean nothing.
    expect(results.every((r) => !r.labelsMeaningful && r.labelsNote.includes('BPU EMULATOR'))).toBe(true);
    expect(results.map((r) => r.topK[0]!.classId)).toEqual([63, 494, 921]);
    expect(results.map((r) => r.stampNs)).toEqual([
      '1700000000000000000',
      '1700000000100000000',
      '1700000000200000000',
    ]);
    expect(results.every((r) => r.backend === 'bpu')).toBe(true);
  });
});
