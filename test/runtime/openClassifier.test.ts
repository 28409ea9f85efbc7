import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { syntheticInput } from '../../src/graph';
import { preprocessRaw } from '../../src/image';
import { BPU_EMULATOR_NOTE, openClassifier, SYNTHETIC_WEIGHTS_NOTE } from '../../src/runtime/openClassifier';
import { ensureEmulator, EXAMPLE_MODEL } from '../backends/bpu/emulator';
import { buildTinyClassifier } from '../support/tinyOnnxClassifier';

// Synthetic models are cached per test run, not in the user's home folder.
const modelDir = mkdtempSync(path.join(tmpdir(), 'edgenext-models-'));

function grayRaw(level: number, width = 224, height = 224) {
  return {
    kind: 'raw' as const,
    width,
    height,
    encoding: 'rgb8',
    step: width * 3,
    data: new Uint8Array(width * height * 3).fill(level),
  };
}

/** A 320x256 frame of sharp vertical stripes: resampling filters disagree on it. */
function stripes() {
  const width = 320;
  const height = 256;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.fill((i % width) % 6 < 3 ? 230 : 20, i * 3, i * 3 + 3);
  return { kind: 'raw' as const, width, height, encoding: 'rgb8', step: width * 3, data };
}

describe('openClassifier on ONNX Runtime', () => {
  it('opens the synthetic xx_small by default and says its weights are synthetic', async () => {
    const classifier = await openClassifier({ modelDir });
    try {
      const { card } = classifier;
      expect(card).toMatchObject({
        modelName: 'EdgeNeXt_xx_small_synthetic_seed12345',
        catalogEntry: 'EdgeNeXt_xx_small',
        backend: 'onnx',
        inputWidth: 224,
        inputHeight: 224,
        inputFormat: 'float32_nchw_rgb',
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
        resize: { policy: 'letterbox', interpolation: 'bilinear', padValue: 127 },
        numClasses: 1000,
        syntheticWeights: true,
        labelsMeaningful: false,
        labelsNote: SYNTHETIC_WEIGHTS_NOTE,
      });
      expect(path.dirname(card.modelFile)).toBe(modelDir);
      expect(card.fileSha256).toBe(createHash('sha256').update(readFileSync(card.modelFile)).digest('hex'));
      expect(card.warmupLatencyMs).toBeGreaterThan(0);
      expect(classifier.labels).toHaveLength(1000);
      expect(classifier.labels[340]).toBe('zebra');

      // The architecture check of docs/edgenext-architecture.md Appendix B, through the composed classifier:
      // proves the right model, seed and softmax/top-k are wired.
      const data = syntheticInput(3 * 224 * 224);
      const [logits] = await classifier.backend.infer([{ format: 'float32_nchw_rgb', width: 224, height: 224, data }]);
      const top = classifier.postprocess(logits!, 5);
      expect(top.map((t) => t.classId)).toEqual([245, 580, 480, 784, 515]);
      expect(top[0]!.label).toBe(classifier.labels[245]);
      const expSum = Array.from(logits!).reduce((sum, v) => sum + Math.exp(v - 3.52982), 0);
      expect(top[0]!.score).toBeCloseTo(1 / expSum, 5);
    } finally {
      await classifier.close();
    }
  });

  it('takes a resize override and a seed', async () => {
    const classifier = await openClassifier({
      modelDir,
      model: 'synthetic:xx_small:7',
      resize: 'center_crop',
      skipWarmup: true,
    });
    try {
      expect(classifier.card.modelName).toBe('EdgeNeXt_xx_small_synthetic_seed7');
      // timm's evaluation transform is bicubic; the entry's bilinear belongs to its letterbox.
      expect(classifier.preprocessSpec.resize).toMatchObject({
        policy: 'center_crop',
        cropPct: 0.9,
        interpolation: 'bicubic',
      });
      expect(classifier.card.resize.interpolation).toBe('bicubic');
      expect(classifier.card.warmupLatencyMs).toBe(0);
      // The tensor is the bicubic one (Pillow's filter), which differs from what bilinear would give.
      const image = stripes();
      const input = await classifier.preprocess(image);
      const bicubic = preprocessRaw(image, classifier.preprocessSpec);
      const bilinear = preprocessRaw(image, {
        ...classifier.preprocessSpec,
        resize: { ...classifier.preprocessSpec.resize, interpolation: 'bilinear' },
      });
      expect(input.data).toEqual(bicubic.data);
      expect(input.data).not.toEqual(bilinear.data);
    } finally {
      await classifier.close();
    }
  });

  it('refuses unknown models and a BPU run of a synthetic graph with the reason', async () => {
    await expect(openClassifier({ modelDir, model: 'resnet50' })).rejects.toThrow(
      "unknown model 'resnet50' (known: EdgeNeXt_xx_small, EdgeNeXt_x_small, EdgeNeXt_small, EdgeNeXt_base; or give a file path)",
    );
    await expect(openClassifier({ modelDir, backend: 'bpu' })).rejects.toThrow(
      'synthetic models are ONNX graphs and run on the onnx backend',
    );
    await expect(openClassifier({ modelDir, model: 'small', backend: 'onnx' })).rejects.toThrow(
      `model EdgeNeXt_small (onnx): ${path.join(modelDir, 'edgenext_small.onnx')} not found; download it with 'edgenext models download EdgeNeXt_small --backend onnx'`,
    );
  });
});

describe('openClassifier on the BPU (emulated libdnn)', () => {
  const bpuLibraryPath = ensureEmulator();

  it('feeds NV12 to the BPU model and reads its logits back as classes', async () => {
    const classifier = await openClassifier({ model: EXAMPLE_MODEL, bpuLibraryPath });
    try {
      expect(classifier.card).toMatchObject({
        modelName: 'EdgeNeXt_xx_small_224x224_nv12',
        catalogEntry: 'EdgeNeXt_xx_small',
        backend: 'bpu',
        inputFormat: 'nv12',
        syntheticWeights: false,
        labelsMeaningful: false,
        labelsNote: BPU_EMULATOR_NOTE,
      });
      // Gray 128 -> BT.601 limited-range luma Y = ((66+129+25)*128 + 128 >> 8) + 16 = 126; the emulated model's
      // top-1 is round(meanY * 999 / 255) = 494 with logit 10 against 0 for the other 999 classes.
      const input = await classifier.preprocess(grayRaw(128));
      const [logits] = await classifier.backend.infer([input]);
      const [best] = classifier.postprocess(logits!, 1);
      expect(best!.classId).toBe(494);
      expect(best!.label).toBe(classifier.labels[494]);
      expect(best!.score).toBeCloseTo(Math.exp(10) / (Math.exp(10) + 999), 5);
    } finally {
      await classifier.close();
    }
  });

  it('says which library it tried when the BPU runtime is missing', async () => {
    const missing = path.join(modelDir, 'nope', 'libdnn.so');
    await expect(openClassifier({ model: EXAMPLE_MODEL, bpuLibraryPath: missing })).rejects.toMatchObject({
      code: 'backend_unavailable',
      message: expect.stringContaining(missing),
    });
  });
});

describe("openClassifier with backend 'auto'", () => {
  const bpuLibraryPath = ensureEmulator();
  // A model folder holding both of the catalogue's xx_small files: the emulator's description as the BPU .bin
  // and a tiny real ONNX classifier of the same input size.
  const bothDir = mkdtempSync(path.join(tmpdir(), 'edgenext-auto-'));
  copyFileSync(EXAMPLE_MODEL, path.join(bothDir, 'EdgeNeXt_xx_small_224x224_nv12.bin'));
  writeFileSync(
    path.join(bothDir, 'edgenext_xx_small.onnx'),
    buildTinyClassifier({
      width: 224,
      height: 224,
      weights: Array.from({ length: 1000 }, (_, i) => [i / 1000, 0, 0]),
      bias: new Array<number>(1000).fill(0),
    }),
  );

  it('tries the BPU, and when its runtime library does not load says why in one line and uses ONNX', async () => {
    const missing = path.join(bothDir, 'nope', 'libdnn.so');
    const notices: string[] = [];
    const classifier = await openClassifier({
      model: 'xx_small',
      modelDir: bothDir,
      bpuLibraryPath: missing,
      onNotice: (line) => notices.push(line),
    });
    try {
      expect(classifier.card.backend).toBe('onnx');
      expect(classifier.card.modelFile).toBe(path.join(bothDir, 'edgenext_xx_small.onnx'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^backend auto: the BPU is not usable \(.*nope\/libdnn\.so.*\); using ONNX Runtime/);
      expect(notices[0]).not.toContain('\n');
    } finally {
      await classifier.close();
    }
  });

  it('uses the BPU when the library loads (the emulator), without a notice', async () => {
    const notices: string[] = [];
    const classifier = await openClassifier({
      model: 'xx_small',
      modelDir: bothDir,
      bpuLibraryPath,
      onNotice: (line) => notices.push(line),
    });
    try {
      expect(classifier.card).toMatchObject({ backend: 'bpu', inputFormat: 'nv12', labelsMeaningful: false });
      expect(notices).toEqual([]);
    } finally {
      await classifier.close();
    }
  });
});
