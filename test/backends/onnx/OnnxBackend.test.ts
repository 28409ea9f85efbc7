import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OnnxBackend } from '../../../src/backends/onnx/OnnxBackend';
import { ensureSyntheticModel, syntheticInput } from '../../../src/graph';
import type { ModelInput } from '../../../src/core/preprocessing';
import { buildTinyClassifier } from '../../support/tinyOnnxClassifier';

const dir = mkdtempSync(path.join(tmpdir(), 'edgenext-onnx-'));
const weights = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [1, 1, 1],
];
const bias = [0, 0.5, -0.5, 0.25];

function writeModel(name: string, options: Partial<Parameters<typeof buildTinyClassifier>[0]> = {}): string {
  const file = path.join(dir, name);
  writeFileSync(file, buildTinyClassifier({ width: 224, height: 224, weights, bias, ...options }));
  return file;
}

function uniformInput(r: number, g: number, b: number, size = 224): ModelInput {
  const plane = size * size;
  const data = new Float32Array(3 * plane);
  data.fill(r, 0, plane);
  data.fill(g, plane, 2 * plane);
  data.fill(b, 2 * plane);
  return { format: 'float32_nchw_rgb', width: size, height: size, data };
}

describe('OnnxBackend', () => {
  const modelPath = writeModel('tiny.onnx');

  it('reports the model it loaded', async () => {
    const backend = await OnnxBackend.open({ modelPath });
    try {
      expect(backend.info).toMatchObject({
        modelName: 'tiny',
        inputFormat: 'float32_nchw_rgb',
        inputWidth: 224,
        inputHeight: 224,
        numClasses: 4,
      });
      expect(backend.info.inputs).toEqual([{ name: 'data', type: 'float32', dims: [-1, 3, 224, 224] }]);
      expect(backend.info.outputs).toEqual([{ name: 'output', type: 'float32', dims: [-1, 4] }]);
      expect(backend.maxBatch).toBe(8);
    } finally {
      await backend.close();
    }
  });

  it('runs a batch and returns exact logits per input, in order', async () => {
    const backend = await OnnxBackend.open({ modelPath, maxBatch: 2 });
    try {
      const inputs = [uniformInput(1, 2, 3), uniformInput(-1, 0.5, 0), uniformInput(0, 0, 4)];
      const logits = await backend.infer(inputs);
      expect(logits).toHaveLength(3);
      expect(Array.from(logits[0]!)).toEqual([1, 2.5, 2.5, 6.25]);
      expect(Array.from(logits[1]!)).toEqual([-1, 1, -0.5, -0.25]);
      expect(Array.from(logits[2]!)).toEqual([0, 0.5, 3.5, 4.25]);
    } finally {
      await backend.close();
    }
  });

  it('spreads batches over several worker threads', async () => {
    const backend = await OnnxBackend.open({ modelPath, workers: 2, maxBatch: 1 });
    try {
      expect(backend.maxConcurrency).toBe(2);
      const results = await Promise.all([1, 2, 3, 4].map((v) => backend.infer([uniformInput(v, 0, 0)])));
      expect(results.map((r) => r[0]![0])).toEqual([1, 2, 3, 4]);
    } finally {
      await backend.close();
    }
  });

  it('refuses an input of the wrong size or format with a clear message', async () => {
    const backend = await OnnxBackend.open({ modelPath });
    try {
      await expect(backend.infer([uniformInput(0, 0, 0, 32)])).rejects.toThrow(
        'ONNX model tiny takes 3x224x224 input, got 3x32x32',
      );
      await expect(
        backend.infer([{ format: 'nv12', width: 224, height: 224, data: new Uint8Array(75264) }]),
      ).rejects.toMatchObject({ code: 'model_mismatch' });
    } finally {
      await backend.close();
    }
  });

  it('names the file when the model is missing or not ONNX', async () => {
    await expect(OnnxBackend.open({ modelPath: path.join(dir, 'missing.onnx') })).rejects.toThrow(
      `model file not found: ${path.join(dir, 'missing.onnx')}`,
    );
    const garbage = path.join(dir, 'garbage.onnx');
    writeFileSync(garbage, 'not a model');
    await expect(OnnxBackend.open({ modelPath: garbage })).rejects.toMatchObject({
      code: 'model_load',
      message: expect.stringContaining(`cannot load ONNX model ${garbage}`),
    });
  });

  it('refuses a model whose input does not fit an image classifier', async () => {
    const wrong = writeModel('fixed4.onnx', { fixedBatch: 4 });
    await expect(OnnxBackend.open({ modelPath: wrong })).rejects.toThrow('has a fixed batch of 4');
  });

  it('rejects work after close', async () => {
    const backend = await OnnxBackend.open({ modelPath });
    await backend.close();
    await backend.close();
    await expect(backend.infer([uniformInput(0, 0, 0)])).rejects.toMatchObject({ code: 'closed' });
  });

  it('keeps the event loop free while the worker infers', async () => {
    // A real network (xx_small at batch 4, tens of ms per call) so inference dominates the copies on the main thread.
    const xxSmall = await ensureSyntheticModel('xx_small', { cacheDir: dir });
    const backend = await OnnxBackend.open({ modelPath: xxSmall });
    try {
      const batch: ModelInput[] = Array.from({ length: 4 }, () => ({
        format: 'float32_nchw_rgb',
        width: 224,
        height: 224,
        data: syntheticInput(3 * 224 * 224),
      }));
      await backend.infer(batch); // warm-up
      let ticks = 0;
      const timer = setInterval(() => ticks++, 2);
      const started = performance.now();
      for (let i = 0; i < 4; i++) await backend.infer(batch);
      const elapsedMs = performance.now() - started;
      clearInterval(timer);
      // A blocked loop lets the 2 ms timer fire about once per inference (4 times); a free one fires it every few ms.
      expect(ticks).toBeGreaterThan(elapsedMs / 8);
      expect(ticks).toBeGreaterThan(8);
    } finally {
      await backend.close();
    }
  });
});
