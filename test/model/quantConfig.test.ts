import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runQuantConfig } from '../../src/cli/commands/quantConfig';
import { buildTinyClassifier } from '../support/tinyOnnxClassifier';
import { EDGENEXT_VARIANTS, ensureSyntheticModel, type EdgeNeXtVariant } from '../../src/graph';
import { collector } from '../support/collectIo';

/** The model zoo's yaml facts, transcribed from edgenext-architecture.md §4.1 and §5.2 (not from the code). */
/** One Softmax per SDTA block; x_small, small and base share their depths' last-block indices. */
const SOFTMAX_WIDE = [
  '/stages/stages.1/blocks/blocks.2/xca/Softmax',
  '/stages/stages.2/blocks/blocks.8/xca/Softmax',
  '/stages/stages.3/blocks/blocks.2/xca/Softmax',
];
const SOFTMAX: Record<EdgeNeXtVariant, string[]> = {
  xx_small: [
    '/stages/stages.1/blocks/blocks.1/xca/Softmax',
    '/stages/stages.2/blocks/blocks.5/xca/Softmax',
    '/stages/stages.3/blocks/blocks.1/xca/Softmax',
  ],
  x_small: SOFTMAX_WIDE,
  small: SOFTMAX_WIDE,
  base: SOFTMAX_WIDE,
};
const XX_SMALL_EXTRA = [
  '/stages/stages.3/blocks/blocks.1/mlp/fc1/MatMul',
  '/stages/stages.3/blocks/blocks.1/mlp/fc2/MatMul',
  '/stages/stages.3/blocks/blocks.1/norm/Pow',
  '/stages/stages.0/blocks/blocks.0/conv_dw/Conv',
  '/stem/stem.1/Mul',
  '/stem/stem.1/Sub',
  '/stem/stem.1/Pow',
  '/stages/stages.3/downsample/downsample.0/ReduceMean',
  '/stages/stages.3/downsample/downsample.0/Sub',
  '/stages/stages.3/downsample/downsample.0/ReduceMean_1',
  '/stages/stages.3/blocks/blocks.1/norm_xca/ReduceMean_1',
  '/stages/stages.2/blocks/blocks.5/norm_xca/ReduceMean_1',
  '/stages/stages.3/blocks/blocks.1/norm/Div_mul',
];
const INT16 = { ON: 'BPU', InputType: 'int16', OutputType: 'int16' };

/** Loose enough for tests to edit any key. */
type ZooYaml = {
  model_parameters: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  input_parameters: Record<string, unknown>;
  calibration_parameters: Record<string, unknown>;
  compiler_parameters: Record<string, unknown>;
};

function zooYaml(variant: EdgeNeXtVariant): ZooYaml {
  const nodes = [...SOFTMAX[variant], ...(variant === 'xx_small' ? XX_SMALL_EXTRA : [])];
  return {
    model_parameters: {
      onnx_model: `./edgenext_${variant}.onnx`,
      march: 'bayes-e',
      layer_out_dump: false,
      working_dir: `EdgeNeXt_${variant}_224x224_nv12`,
      output_model_file_prefix: `EdgeNeXt_${variant}_224x224_nv12`,
      node_info: Object.fromEntries(nodes.map((n) => [n, INT16])),
    },
    input_parameters: {
      input_name: '',
      input_type_rt: 'nv12',
      input_type_train: 'rgb',
      input_layout_train: 'NCHW',
      norm_type: 'data_mean_and_scale',
      mean_value: '123.675 116.28 103.53',
      scale_value: '0.01712475 0.017507 0.01742919',
    },
    calibration_parameters: {
      cal_data_dir: './calibration_data_rgb_f32',
      cal_data_type: 'float32',
      calibration_type: 'max',
      max_percentile: 0.999,
    },
    compiler_parameters: { compile_mode: 'latency', debug: false, optimize_level: 'O3' },
  };
}

const dir = mkdtempSync(path.join(tmpdir(), 'edgenext-quant-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A synthetic graph under the catalogue's file name, so the command finds the entry as it would for a download. */
async function graphFile(variant: EdgeNeXtVariant): Promise<string> {
  const file = path.join(dir, `edgenext_${variant}.onnx`);
  try {
    symlinkSync(await ensureSyntheticModel(variant, { cacheDir: path.join(dir, 'cache') }), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return file;
}

describe('edgenext models quant-config', () => {
  it.each(EDGENEXT_VARIANTS.map((v) => [v]))(
    'writes the zoo yaml for %s, field by field, and --check accepts it',
    async (variant) => {
      const onnx = await graphFile(variant);
      const io = collector();
      const output = path.join(dir, `${variant}.yaml`);
      expect(await runQuantConfig(onnx, { output }, io)).toBe(0);
      expect(io.err).toEqual([expect.stringMatching(/^wrote .* \(EdgeNeXt_\w+, 3 Softmax nodes in int16\)$/)]);
      const text = readFileSync(output, 'utf8');
      expect(text).toContain('# graph input: data [batch, 3, 224, 224]');
      expect(parseYaml(text)).toEqual(zooYaml(variant));

      const check = collector();
      expect(await runQuantConfig(onnx, { check: output }, check)).toBe(0);
      const notes =
        variant === 'xx_small'
          ? [
              "note: node_info names /stages/stages.3/blocks/blocks.1/norm/Div_mul: not an ONNX node, but hb_mapper's internal name for it (accepted there)",
            ]
          : [];
      expect(check.out).toEqual([...notes, `${output}: matches ${onnx} and EdgeNeXt_${variant}'s preprocessing`]);
    },
    60_000,
  );

  describe('--check', () => {
    let onnx: string;
    let good: ZooYaml;
    beforeAll(async () => {
      onnx = await graphFile('small');
      good = zooYaml('small');
    });

    async function check(edit: (yaml: ZooYaml) => void): Promise<{ code: number; out: string[] }> {
      const yaml = structuredClone(good);
      edit(yaml);
      const file = path.join(dir, 'edited.yaml');
      writeFileSync(file, JSON.stringify(yaml)); // JSON is YAML
      const io = collector();
      return { code: await runQuantConfig(onnx, { check: file }, io), out: io.out };
    }

    it('catches a node name the graph does not have', async () => {
      const result = await check((y) => {
        y.model_parameters.node_info['/stages/stages.2/blocks/blocks.5/xca/Softmax'] = INT16;
      });
      expect(result.code).toBe(1);
      expect(result.out).toContain(
        'problem: node_info names /stages/stages.2/blocks/blocks.5/xca/Softmax, which is not a node of the graph',
      );
    });

    it('catches a Softmax node left in int8', async () => {
      const result = await check((y) => {
        delete y.model_parameters.node_info['/stages/stages.3/blocks/blocks.2/xca/Softmax'];
      });
      expect(result.code).toBe(1);
      expect(result.out).toContain(
        'problem: Softmax node /stages/stages.3/blocks/blocks.2/xca/Softmax is not pinned to the BPU in int16 (the model zoo does, for accuracy)',
      );
    });

    it('catches a wrong mean and a wrong scale', async () => {
      const result = await check((y) => {
        y.input_parameters.mean_value = '123.675 116.28 103.5';
        y.input_parameters.scale_value = '0.0171 0.017507 0.01742919';
      });
      expect(result.code).toBe(1);
      expect(result.out).toEqual([
        `problem: input_parameters.mean_value is "123.675 116.28 103.5"; EdgeNeXt_small's preprocessing needs 123.675 116.28 103.53`,
        `problem: input_parameters.scale_value is "0.0171 0.017507 0.01742919"; EdgeNeXt_small's preprocessing needs 0.01712475 0.017507 0.01742919`,
        `${path.join(dir, 'edited.yaml')}: 2 problems against ${onnx} (EdgeNeXt_small)`,
      ]);
    });

    it('catches a wrong input name and a wrong input shape', async () => {
      expect((await check((y) => (y.input_parameters.input_name = 'input'))).out).toContain(
        'problem: input_parameters.input_name is "input"; the graph\'s inputs are: data',
      );
      const shape = await check((y) => {
        y.input_parameters.input_name = 'data';
        y.input_parameters.input_shape = '1x3x256x256';
      });
      expect(shape.code).toBe(1);
      expect(shape.out[0]).toBe(
        'problem: input_parameters.input_shape is 1x3x256x256; graph input data is [batch, 3, 224, 224]',
      );
      const named = await check((y) => {
        y.input_parameters.input_name = 'data';
        y.input_parameters.input_shape = '1x3x224x224';
      });
      expect(named.code).toBe(0);
    });

    it('catches another march and layout', async () => {
      const result = await check((y) => {
        y.model_parameters.march = 'bernoulli2';
        y.input_parameters.input_layout_train = 'NHWC';
      });
      expect(result.out.slice(0, 2)).toEqual([
        'problem: model_parameters.march is "bernoulli2"; the RDK X5 BPU is "bayes-e"',
        'problem: input_parameters.input_layout_train is "NHWC"; the graph takes NCHW',
      ]);
    });
  });

  it('asks for --model when the graph is not a catalogue model, and names a file that is not ONNX', async () => {
    const tiny = path.join(dir, 'mystery.onnx');
    writeFileSync(tiny, buildTinyClassifier({ width: 8, height: 8, weights: [[1, 0, 0]], bias: [0] }));
    const io = collector();
    expect(await runQuantConfig(tiny, {}, io)).toBe(2);
    expect(io.err).toEqual([
      `edgenext models quant-config: ${tiny}: cannot tell which catalogue model ${tiny} is; name it with --model <name>`,
    ]);
    // With --model the tiny graph gets the entry's settings, and its missing catalogue int16 nodes are named.
    const named = collector();
    expect(await runQuantConfig(tiny, { model: 'xx_small' }, named)).toBe(0);
    expect(named.err).toContain(
      `edgenext models quant-config: warning: catalogue int16 node /stem/stem.1/Mul is not in ${tiny}`,
    );

    const text = path.join(dir, 'notes.txt');
    writeFileSync(text, 'not a model');
    const bad = collector();
    expect(await runQuantConfig(text, {}, bad)).toBe(1);
    expect(bad.err[0]).toMatch(/^edgenext models quant-config: .*notes\.txt: not an ONNX model/);
  });
});
