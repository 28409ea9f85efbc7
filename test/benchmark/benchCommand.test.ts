import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBench, type BenchCommandOptions } from '../../src/cli/commands/bench';
import { EMULATOR_LIB, ensureEmulator, EXAMPLE_MODEL } from '../backends/bpu/emulator';
import { collector } from '../support/collectIo';

const modelDir = mkdtempSync(path.join(tmpdir(), 'edgenext-bench-'));
afterAll(() => rmSync(modelDir, { recursive: true, force: true }));

const HEADER =
  '| model | backend | params (M) | X5 zoo float / quantised Top-1 | latency 1 thread, median / p99 (ms) | X5 zoo 1 thread (ms) | ratio | latency N threads, mean (ms) | X5 zoo multi-thread (ms) | FPS (N threads) | X5 zoo FPS | ratio |';

/** Table cells of a markdown row. */
function cells(line: string): string[] {
  return line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}

async function bench(options: BenchCommandOptions) {
  const io = collector();
  const code = await runBench({ warmup: '1', count: '4', modelDir, ...options }, io);
  return { code, ...io };
}

describe('edgenext bench', () => {
  it('prints the zoo table for an ONNX model: measured beside the X5 figures, with the ratio', async () => {
    const json = await bench({ model: ['synthetic:xx_small'], backend: 'onnx', streams: '1,2', json: true });
    expect(json.code).toBe(0);
    const result = JSON.parse(json.out[0]!);
    const [row] = result.rows;
    expect(row.single.frames).toBe(4);
    expect(row.multi.map((m: { streams: number; frames: number }) => [m.streams, m.frames])).toEqual([
      [1, 4],
      [2, 4],
    ]);
    expect(row.ranOn).toMatchObject({ backend: 'onnx', emulated: false });
    expect(row.x5).toEqual({
      paramsM: 1.33,
      floatTop1: 69.5,
      quantizedTop1: 64.25,
      latency1ThreadMs: 2.47,
      latencyMultiThreadMs: 7.24,
      fps: 403.49,
    });
    expect(row.single.medianMs).toBeGreaterThan(0);
    expect(row.single.p99Ms).toBeGreaterThanOrEqual(row.single.medianMs);

    const text = await bench({ model: ['synthetic:xx_small'], backend: 'onnx', streams: '2' });
    expect(text.code).toBe(0);
    expect(text.out[0]).toMatch(
      /^edgenext bench on .*: inference only \(preprocessed input, batch 1\), warm-up 1, 4 inferences per measurement, N = 2 in flight$/,
    );
    expect(text.out[2]).toBe(HEADER);
    const row1 = cells(text.out[4]!);
    expect(row1).toHaveLength(cells(HEADER).length);
    expect(row1.slice(0, 4)).toEqual(['synthetic:xx_small', 'onnx (CPU)', '1.33', '69.50 / 64.25']);
    const [median, p99] = row1[4]!.split(' / ').map(Number);
    expect(p99).toBeGreaterThanOrEqual(median!);
    expect(row1[5]).toBe('2.47');
    expect(row1[6]).toBe(`${(median! / 2.47).toFixed(2)}×`);
    expect(row1[7]).toMatch(/^\d+\.\d\d \(N=2\)$/);
    expect(row1[8]).toBe('7.24');
    expect(row1[10]).toBe('403.49');
    expect(row1[11]).toBe(`${(Number(row1[9]) / 403.49).toFixed(2)}×`);
    expect(text.out).toContainEqual(
      expect.stringMatching(
        /^synthetic:xx_small: EdgeNeXt_xx_small_synthetic_seed12345 measured on ONNX Runtime on .*; synthetic weights/,
      ),
    );
    expect(text.out.join('\n')).not.toMatch(/emulat/i);
  }, 120_000);

  it('labels every emulator figure as emulated, never as a board figure', async () => {
    ensureEmulator();
    const io = await bench({ model: [EXAMPLE_MODEL], backend: 'bpu', bpuLib: EMULATOR_LIB, streams: '1,2' });
    expect(io.code).toBe(0);
    expect(io.out[2]).toBe(HEADER);
    const row = cells(io.out[4]!);
    expect(row.slice(0, 4)).toEqual([
      'EdgeNeXt_xx_small_224x224_nv12.emu.json',
      'bpu EMULATOR (emulated latency)',
      '1.33 (zoo)',
      '69.50 / 64.25',
    ]);
    expect(row[4]).toMatch(/ \(emulated\)$/);
    expect(row[7]).toMatch(/\(N=2\) \(emulated\)$/);
    expect(row[9]).toMatch(/ \(emulated\)$/);
    // The emulator holds each task for its configured 2.47 ms, so no single-stream latency can be below that.
    expect(Number(row[4]!.split(' / ')[0])).toBeGreaterThanOrEqual(2.4);
    expect(io.out).toContainEqual(
      expect.stringMatching(
        /^EdgeNeXt_xx_small_224x224_nv12\.emu\.json: EdgeNeXt_xx_small_224x224_nv12 measured on BPU EMULATOR \(libdnn .*emulator.*\); EMULATED latency: .*not a board measurement$/,
      ),
    );
    // The sweep table below the main one: one row per stream count.
    const rows = io.out.filter((line) => line.startsWith('| EdgeNeXt_xx_small_224x224_nv12.emu.json | bpu EMULATOR'));
    expect(rows.slice(1).map((line) => cells(line)[2])).toEqual(['1', '2']);
    expect(io.out.join('\n')).not.toContain('bpu (RDK X5)');
  }, 60_000);

  it('measures every catalogue model by default, on synthetic weights where nothing is downloaded', async () => {
    const io = await bench({ backend: 'onnx', count: '1', warmup: '0', streams: '1', json: true });
    expect(io.code).toBe(0);
    const { rows } = JSON.parse(io.out[0]!);
    expect(
      rows.map((r: { name: string; syntheticWeights: boolean; x5: { fps: number } }) => [
        r.name,
        r.syntheticWeights,
        r.x5.fps,
      ]),
    ).toEqual([
      ['EdgeNeXt_xx_small', true, 403.49],
      ['EdgeNeXt_x_small', true, 345.73],
      ['EdgeNeXt_small', true, 226.15],
      ['EdgeNeXt_base', true, 113.35],
    ]);
    expect(rows.map((r: { paramsM: number }) => r.paramsM.toFixed(2))).toEqual(['1.33', '2.34', '5.59', '18.51']);
  }, 180_000);

  it.each([
    [{ streams: '0' }, 'edgenext bench: --streams must be an integer from 1 to 256, got "0"'],
    [{ streams: '1,x' }, 'edgenext bench: --streams must be an integer from 1 to 256, got "x"'],
    [
      { duration: 'soon', count: undefined },
      'edgenext bench: --duration must be a number of seconds above 0 and at most 3600, got "soon"',
    ],
    [{ backend: 'gpu' }, 'edgenext bench: --backend must be one of auto, bpu, onnx, got "gpu"'],
  ])('refuses %j with the reason', async (options, message) => {
    const io = await bench({ model: ['synthetic:xx_small'], ...options });
    expect(io.code).toBe(2);
    expect(io.err).toEqual([message]);
  });
});
