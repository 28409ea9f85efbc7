import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { type CommandIo, runModelsInfo, runModelsSynth } from '../../src/cli/commands/models';
import { buildProgram } from '../../src/cli/main';
import { inspectOnnxModel } from '../../src/graph';

function collector(): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (line) => out.push(line), stderr: (line) => err.push(line) };
}

describe('edgenext models', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'edgenext-models-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('synth writes a model that info describes, and both say the weights are synthetic', async () => {
    const file = path.join(dir, 'xxs.onnx');
    const synth = collector();
    expect(await runModelsSynth({ variant: 'xx_small', seed: '42', output: file }, synth)).toBe(0);
    expect(synth.err).toEqual([]);
    expect(synth.out[0]).toMatch(/^wrote .*xxs\.onnx: EdgeNeXt xx_small, 1,327,216 parameters \(1\.33M\)/);
    expect(synth.out[1]).toBe(
      'weights are synthetic (seed 42): class labels are not meaningful; use it to measure speed, not accuracy',
    );
    expect(inspectOnnxModel(readFileSync(file)).metadata['edgenext.weight_seed']).toBe('42');

    const info = collector();
    expect(await runModelsInfo(file, info)).toBe(0);
    expect(info.err).toEqual([]);
    expect(info.out).toEqual(
      expect.arrayContaining([
        'parameters (initializer elements): 1,327,216 (1.33M) in 160 initializers',
        'input:  data float32 [batch, 3, 224, 224]',
        'output: output float32 [batch, 1000]',
        'ir_version: 6  opset: ai.onnx 11',
        'softmax nodes (3):',
        '  /stages/stages.1/blocks/blocks.1/xca/Softmax',
        '  /stages/stages.2/blocks/blocks.5/xca/Softmax',
        '  /stages/stages.3/blocks/blocks.1/xca/Softmax',
      ]),
    );
    expect(info.out[info.out.length - 1]).toMatch(
      /^weights: synthetic \(EdgeNeXt xx_small, seed 42\): class labels are not meaningful/,
    );
  });

  it.each([
    [
      { variant: 'tiny', output: 'x.onnx' },
      'edgenext models synth: unknown variant "tiny" (expected one of: xx_small, x_small, small, base)',
    ],
    [
      { variant: 'small', seed: '1.5', output: 'x.onnx' },
      'edgenext models synth: --seed must be an integer from 0 to 4294967295, got "1.5"',
    ],
    [
      { variant: 'small', seed: 'abc', output: 'x.onnx' },
      'edgenext models synth: --seed must be an integer from 0 to 4294967295, got "abc"',
    ],
    [
      { variant: 'small', seed: '-3', output: 'x.onnx' },
      'edgenext models synth: --seed must be an integer from 0 to 4294967295, got "-3"',
    ],
    [
      { variant: 'small', seed: '4294967296', output: 'x.onnx' },
      'edgenext models synth: --seed must be an integer from 0 to 4294967295, got "4294967296"',
    ],
    [{ variant: 'small' }, 'edgenext models synth: missing output file (-o, --output <file.onnx>)'],
  ])('synth rejects bad arguments with one line and exit 2: %j', async (options, message) => {
    const io = collector();
    expect(await runModelsSynth(options, io)).toBe(2);
    expect(io.err).toEqual([message]);
    expect(io.out).toEqual([]);
  });

  it('synth reports an unwritable output path in one line and exits 1', async () => {
    const cases: [string, RegExp][] = [
      [
        path.join(dir, 'missing', 'm.onnx'),
        /^edgenext models synth: cannot write .*m\.onnx: folder .*missing does not exist$/,
      ],
      [dir, /^edgenext models synth: cannot write .*: it is a folder$/],
    ];
    const notAFolder = path.join(dir, 'plain-file');
    writeFileSync(notAFolder, 'x');
    cases.push([
      path.join(notAFolder, 'm.onnx'),
      /^edgenext models synth: cannot write .*m\.onnx: a part of .* is not a folder$/,
    ]);
    for (const [output, message] of cases) {
      const io = collector();
      expect(await runModelsSynth({ variant: 'xx_small', output }, io)).toBe(1);
      expect(io.err).toHaveLength(1);
      expect(io.err[0]).toMatch(message);
    }
  });

  it('info reports a missing, a corrupt and a folder argument in one line and exits 1', async () => {
    const corrupt = path.join(dir, 'corrupt.onnx');
    writeFileSync(corrupt, 'definitely not protobuf');
    const cases: [string, RegExp][] = [
      [path.join(dir, 'nope.onnx'), /^edgenext models info: cannot read .*nope\.onnx: file not found$/],
      [corrupt, /^edgenext models info: .*corrupt\.onnx: not an ONNX model/],
      [dir, /^edgenext models info: cannot read .*: it is a folder$/],
    ];
    for (const [file, message] of cases) {
      const io = collector();
      expect(await runModelsInfo(file, io)).toBe(1);
      expect(io.err).toHaveLength(1);
      expect(io.err[0]).toMatch(message);
      expect(io.out).toEqual([]);
    }
  });

  it('is registered in the edgenext program and sets a non-zero exit code on bad input', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const previous = process.exitCode;
    try {
      await buildProgram().parseAsync([
        'node',
        'edgenext',
        'models',
        'synth',
        '--variant',
        'huge',
        '-o',
        path.join(dir, 'h.onnx'),
      ]);
      expect(process.exitCode).toBe(2);
      expect(stderr).toHaveBeenCalledWith(expect.stringMatching(/^edgenext models synth: unknown variant "huge"/));
    } finally {
      process.exitCode = previous;
      stderr.mockRestore();
    }
  });
});
