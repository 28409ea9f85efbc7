import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EdgenextError } from '../../src/core/errors';
import { packageRoot } from '../../src/core/packageRoot';
import { loadModelCatalog, type ModelCatalog } from '../../src/model/modelCatalog';
import { defaultModelDir, MODEL_DIR_ENV, resolveModel, type ResolveModelOptions } from '../../src/model/resolveModel';

const ZOO = 'https://archive.d-robotics.cc/downloads/rdk_model_zoo/rdk_x5';

function refusal(catalog: ModelCatalog, options: ResolveModelOptions): [string, string] {
  try {
    resolveModel(catalog, options);
  } catch (error) {
    if (error instanceof EdgenextError) return [error.code, error.message];
    throw error;
  }
  throw new Error('expected resolveModel to refuse');
}

describe('resolveModel', () => {
  const catalog = loadModelCatalog();
  let dir: string;
  let savedEnv: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'edgenext-resolve-'));
    savedEnv = process.env[MODEL_DIR_ENV];
    delete process.env[MODEL_DIR_ENV];
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    if (savedEnv === undefined) delete process.env[MODEL_DIR_ENV];
    else process.env[MODEL_DIR_ENV] = savedEnv;
  });
  const touch = (name: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, 'x');
    return file;
  };

  describe('synthetic models', () => {
    it('defaults to the default model with synthetic weights on the onnx backend', () => {
      const resolved = resolveModel(catalog);
      expect(resolved.entry.name).toBe('EdgeNeXt_xx_small');
      expect(resolved.backend).toBe('onnx');
      expect(resolved.source).toEqual({ kind: 'synthetic', variant: 'xx_small', seed: 12345 });
      expect(resolveModel(catalog, { backend: 'onnx' }).source).toEqual(resolved.source);
    });

    it('takes synthetic:<name>[:<seed>] by name or alias', () => {
      expect(resolveModel(catalog, { model: 'synthetic:small:7' })).toMatchObject({
        entry: { name: 'EdgeNeXt_small' },
        backend: 'onnx',
        source: { kind: 'synthetic', variant: 'small', seed: 7 },
      });
      expect(resolveModel(catalog, { model: 'synthetic:EdgeNeXt_base', backend: 'auto' }).source).toEqual({
        kind: 'synthetic',
        variant: 'base',
        seed: 12345,
      });
    });

    it('refuses the BPU backend, naming what to use instead', () => {
      expect(refusal(catalog, { model: 'synthetic:small', backend: 'bpu' })).toEqual([
        'invalid_argument',
        'synthetic models are ONNX graphs and run on the onnx backend; the BPU needs a compiled .bin (--model EdgeNeXt_small)',
      ]);
      expect(refusal(catalog, { backend: 'bpu' })[1]).toContain('(--model EdgeNeXt_xx_small)');
    });

    it.each(['synthetic:small:-1', 'synthetic:small:1.5', 'synthetic:small:abc'])(
      'refuses the bad seed in %s',
      (model) => {
        expect(refusal(catalog, { model })).toEqual([
          'invalid_argument',
          `synthetic model seed must be a non-negative integer, got '${model.split(':')[2]}'`,
        ]);
      },
    );

    it('refuses an unknown name, listing the known ones', () => {
      expect(refusal(catalog, { model: 'synthetic:tiny' })).toEqual([
        'invalid_argument',
        "unknown model 'tiny' (known: EdgeNeXt_xx_small, EdgeNeXt_x_small, EdgeNeXt_small, EdgeNeXt_base; or give a file path)",
      ]);
    });

    it('refuses an entry without a synthetic variant', () => {
      const text = readFileSync(path.join(packageRoot(), 'config', 'models.yaml'), 'utf8');
      const file = path.join(dir, 'models.yaml');
      writeFileSync(
        file,
        `${text}\n  Mine:\n    input: { width: 224, height: 224 }\n    labels: mine.json\n    resize: { policy: stretch }\n    onnx: { file: mine.onnx }\n`,
      );
      const mine = loadModelCatalog(file);
      expect(refusal(mine, { model: 'synthetic:Mine' })).toEqual([
        'invalid_argument',
        'model Mine has no synthetic variant (only EdgeNeXt entries do)',
      ]);
      expect(refusal(mine, { model: 'Mine', backend: 'bpu', modelDir: dir })).toEqual([
        'invalid_argument',
        `model Mine has no bpu file in ${file}`,
      ]);
    });
  });

  it('refuses an unknown backend', () => {
    expect(refusal(catalog, { backend: 'gpu' as never })).toEqual([
      'invalid_argument',
      "unknown backend 'gpu' (choose auto, bpu or onnx)",
    ]);
  });

  describe('file paths', () => {
    it('picks the backend from the extension and the settings from a catalogue file of the same name', () => {
      const onnx = touch('edgenext_small.onnx');
      expect(resolveModel(catalog, { model: onnx })).toEqual({
        entry: catalog.entries[2],
        backend: 'onnx',
        source: { kind: 'file', path: onnx },
      });
      const bin = touch('EdgeNeXt_base_224x224_nv12.bin');
      expect(resolveModel(catalog, { model: bin, backend: 'bpu' })).toMatchObject({
        entry: { name: 'EdgeNeXt_base' },
        backend: 'bpu',
        source: { kind: 'file', path: bin },
      });
    });

    it('takes an emulator description as a BPU model, and an unknown file name gets the default entry', () => {
      const emu = path.join(packageRoot(), 'native', 'models', 'EdgeNeXt_xx_small_224x224_nv12.emu.json');
      expect(resolveModel(catalog, { model: emu })).toMatchObject({
        entry: { name: 'EdgeNeXt_xx_small' },
        backend: 'bpu',
        source: { kind: 'file', path: emu },
      });
      const other = touch('my_classifier.onnx');
      expect(resolveModel(catalog, { model: other }).entry.name).toBe('EdgeNeXt_xx_small');
    });

    it('resolves a relative path against the working folder', () => {
      const file = touch('x.onnx');
      const relative = path.relative(process.cwd(), file);
      expect(resolveModel(catalog, { model: relative }).source).toEqual({ kind: 'file', path: file });
    });

    it('refuses an unknown extension, a backend that does not match the file, and a missing file', () => {
      const pt = path.join(dir, 'model.pt');
      expect(refusal(catalog, { model: pt })).toEqual([
        'invalid_argument',
        `model file ${pt}: unknown type (expected .onnx, .bin or .emu.json)`,
      ]);
      const onnx = touch('m.onnx');
      expect(refusal(catalog, { model: onnx, backend: 'bpu' })).toEqual([
        'invalid_argument',
        `model file ${onnx} is for the onnx backend, not bpu`,
      ]);
      const bin = path.join(dir, 'm.bin');
      expect(refusal(catalog, { model: bin, backend: 'onnx' })[1]).toBe(
        `model file ${bin} is for the bpu backend, not onnx`,
      );
      expect(refusal(catalog, { model: bin })).toEqual(['file_not_found', `model file not found: ${bin}`]);
    });
  });

  describe('catalogue names', () => {
    it('finds the file in the model folder for the asked backend', () => {
      const onnx = touch('edgenext_x_small.onnx');
      const bin = touch('EdgeNeXt_x_small_224x224_nv12.bin');
      expect(resolveModel(catalog, { model: 'x_small', backend: 'onnx', modelDir: dir })).toMatchObject({
        entry: { name: 'EdgeNeXt_x_small' },
        backend: 'onnx',
        source: { kind: 'file', path: onnx },
      });
      expect(resolveModel(catalog, { model: 'x_small', backend: 'bpu', modelDir: dir }).source).toEqual({
        kind: 'file',
        path: bin,
      });
    });

    it('auto picks the BPU only when a runtime is available and the .bin is present', () => {
      const onnx = touch('edgenext_small.onnx');
      const auto = (bpuAvailable: boolean): ReturnType<typeof resolveModel> =>
        resolveModel(catalog, { model: 'small', modelDir: dir, bpuAvailable });
      expect(auto(true)).toMatchObject({ backend: 'onnx', source: { path: onnx } });
      const bin = touch('EdgeNeXt_small_224x224_nv12.bin');
      expect(auto(false)).toMatchObject({ backend: 'onnx', source: { path: onnx } });
      expect(auto(true)).toMatchObject({ backend: 'bpu', source: { path: bin } });
      expect(resolveModel(catalog, { model: 'small', modelDir: dir }).backend).toBe('onnx');
    });

    it('says how to download a missing file, with the URL and the synthetic alternative', () => {
      expect(refusal(catalog, { model: 'small', modelDir: dir })).toEqual([
        'file_not_found',
        `model EdgeNeXt_small (onnx): ${path.join(dir, 'edgenext_small.onnx')} not found; download it with ` +
          `'edgenext models download EdgeNeXt_small --backend onnx' (${ZOO}/edgenext_small.onnx) ` +
          'or try the architecture with synthetic weights: --model synthetic:small',
      ]);
      expect(refusal(catalog, { model: 'base', backend: 'bpu', modelDir: dir })[1]).toBe(
        `model EdgeNeXt_base (bpu): ${path.join(dir, 'EdgeNeXt_base_224x224_nv12.bin')} not found; download it with ` +
          `'edgenext models download EdgeNeXt_base --backend bpu' (${ZOO}/EdgeNeXt_base_224x224_nv12.bin) ` +
          'or try the architecture with synthetic weights: --model synthetic:base',
      );
    });

    it('uses $EDGENEXT_MODEL_DIR, else ~/.cache/edgenext/models, when no folder is given', () => {
      expect(defaultModelDir()).toBe(path.join(os.homedir(), '.cache', 'edgenext', 'models'));
      process.env[MODEL_DIR_ENV] = '';
      expect(defaultModelDir()).toBe(path.join(os.homedir(), '.cache', 'edgenext', 'models'));
      const envDir = path.join(dir, 'from-env');
      mkdirSync(envDir);
      writeFileSync(path.join(envDir, 'edgenext_base.onnx'), 'x');
      process.env[MODEL_DIR_ENV] = envDir;
      expect(defaultModelDir()).toBe(envDir);
      expect(resolveModel(catalog, { model: 'base' }).source).toEqual({
        kind: 'file',
        path: path.join(envDir, 'edgenext_base.onnx'),
      });
    });
  });
});
