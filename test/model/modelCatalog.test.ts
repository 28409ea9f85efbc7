import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EdgenextError } from '../../src/core/errors';
import { packageRoot } from '../../src/core/packageRoot';
import { loadLabels } from '../../src/model/labels';
import {
  CATALOG_ENV,
  defaultCatalogPath,
  findModelEntry,
  findModelEntryByFile,
  loadModelCatalog,
} from '../../src/model/modelCatalog';

const SHIPPED = path.join(packageRoot(), 'config', 'models.yaml');

function thrown(fn: () => unknown): EdgenextError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EdgenextError) return error;
    throw error;
  }
  throw new Error('expected an EdgenextError');
}

describe('the shipped model catalogue', () => {
  const catalog = loadModelCatalog();

  it('is config/models.yaml of the package, with the four EdgeNeXt variants and xx_small as default', () => {
    expect(defaultCatalogPath()).toBe(SHIPPED);
    expect(catalog.sourcePath).toBe(SHIPPED);
    expect(catalog.entries.map((e) => e.name)).toEqual([
      'EdgeNeXt_xx_small',
      'EdgeNeXt_x_small',
      'EdgeNeXt_small',
      'EdgeNeXt_base',
    ]);
    expect(catalog.defaultModel).toBe('EdgeNeXt_xx_small');
  });

  it('describes each variant: synthetic variant, input, labels, letterbox resize, files and URLs', () => {
    const variants = ['xx_small', 'x_small', 'small', 'base'];
    for (const [i, entry] of catalog.entries.entries()) {
      const v = variants[i] as string;
      expect(entry.aliases).toEqual([v, `edgenext_${v}`]);
      expect(entry.syntheticVariant).toBe(v);
      expect([entry.inputWidth, entry.inputHeight]).toEqual([224, 224]);
      expect(entry.labelsPath).toBe(path.join(packageRoot(), 'config', 'imagenet_labels.json'));
      expect(entry.output).toBe('logits');
      expect(entry.resize).toEqual({
        policy: 'letterbox',
        interpolation: 'bilinear',
        padValue: 127,
        cropPct: v === 'small' || v === 'base' ? 0.95 : 0.9,
      });
      expect(entry.onnx).toEqual({
        file: `edgenext_${v}.onnx`,
        url: `https://archive.d-robotics.cc/downloads/rdk_model_zoo/rdk_x5/edgenext_${v}.onnx`,
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
      });
      expect(entry.bpu).toEqual({
        file: `EdgeNeXt_${v}_224x224_nv12.bin`,
        url: `https://archive.d-robotics.cc/downloads/rdk_model_zoo/rdk_x5/EdgeNeXt_${v}_224x224_nv12.bin`,
      });
    }
  });

  it('finds entries by name or alias, case-insensitively, and by file base name', () => {
    expect(findModelEntry(catalog, 'small')?.name).toBe('EdgeNeXt_small');
    expect(findModelEntry(catalog, 'EDGENEXT_X_SMALL')?.name).toBe('EdgeNeXt_x_small');
    expect(findModelEntry(catalog, 'edgenext_base')?.name).toBe('EdgeNeXt_base');
    expect(findModelEntry(catalog, 'tiny')).toBeUndefined();
    expect(findModelEntryByFile(catalog, '/opt/models/edgenext_small.onnx')?.name).toBe('EdgeNeXt_small');
    expect(findModelEntryByFile(catalog, 'EdgeNeXt_base_224x224_nv12.BIN')?.name).toBe('EdgeNeXt_base');
    expect(findModelEntryByFile(catalog, '/tmp/other.onnx')).toBeUndefined();
  });

  it('its labels file holds the 1000 ImageNet classes', () => {
    const labels = loadLabels((findModelEntry(catalog, 'xx_small') ?? catalog.entries[0])!.labelsPath, 1000);
    expect(labels).toHaveLength(1000);
    expect(labels[0]).toBe('tench, Tinca tinca');
  });
});

describe('catalogue validation', () => {
  let dir: string;
  const shippedText = readFileSync(SHIPPED, 'utf8');
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'edgenext-catalog-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (text: string): string => {
    const file = path.join(dir, 'models.yaml');
    writeFileSync(file, text);
    return file;
  };
  const mine = (body: string): string =>
    `${shippedText}\n  Mine:\n    input: { width: 256, height: 192 }\n    labels: mine.json\n${body}`;

  it('accepts a user-added entry with its own labels file, resolved next to the catalogue', () => {
    const file = write(
      mine(
        '    output: probabilities\n    resize: { policy: center_crop }\n    onnx: { file: mine.onnx, std: [0.5, 0.5, 0.5] }\n',
      ),
    );
    writeFileSync(path.join(dir, 'mine.json'), JSON.stringify(['cat', 'dog', 'bird']));
    const catalog = loadModelCatalog(file);
    expect(catalog.entries).toHaveLength(5);
    const entry = findModelEntry(catalog, 'mine');
    expect(entry).toMatchObject({
      name: 'Mine',
      aliases: [],
      inputWidth: 256,
      inputHeight: 192,
      output: 'probabilities',
      labelsPath: path.join(dir, 'mine.json'),
      resize: { policy: 'center_crop', interpolation: 'bilinear', padValue: 127, cropPct: 0.875 },
      onnx: { file: 'mine.onnx', mean: [0.485, 0.456, 0.406], std: [0.5, 0.5, 0.5] },
    });
    expect(entry?.syntheticVariant).toBeUndefined();
    expect(entry?.bpu).toBeUndefined();
    expect(loadLabels(entry!.labelsPath, 3)).toEqual(['cat', 'dog', 'bird']);
    expect(findModelEntryByFile(catalog, '/data/mine.onnx')?.name).toBe('Mine');
  });

  it('names the file when it cannot be read', () => {
    const missing = path.join(dir, 'nope.yaml');
    const error = thrown(() => loadModelCatalog(missing));
    expect(error.code).toBe('file_not_found');
    expect(error.message.startsWith(`model catalogue ${missing}: cannot read (`)).toBe(true);
    expect(error.message).toContain('ENOENT: no such file or directory');
  });

  it('names the file for invalid YAML', () => {
    const file = write('version: 1\nmodels: [unclosed\n');
    const error = thrown(() => loadModelCatalog(file));
    expect(error.code).toBe('invalid_config');
    expect(error.message).toMatch(new RegExp(`^model catalogue ${file}: not valid YAML \\(`));
  });

  it.each([
    [
      'an unknown key in an entry',
      mine('    resize: { policy: letterbox }\n    colour: red\n'),
      'models.Mine: Unrecognized key: "colour"',
    ],
    [
      'an unknown key in a nested object',
      mine('    resize: { policy: letterbox, pad: 3 }\n'),
      'models.Mine.resize: Unrecognized key: "pad"',
    ],
    [
      'an unknown resize policy',
      mine('    resize: { policy: squash }\n'),
      'models.Mine.resize.policy: Invalid option: expected one of "stretch"|"letterbox"|"center_crop"',
    ],
    [
      'a pad value out of range',
      mine('    resize: { policy: letterbox, pad_value: 300 }\n'),
      'models.Mine.resize.pad_value:',
    ],
    ['a missing resize', mine(''), 'models.Mine.resize:'],
    ['a wrong version', shippedText.replace('version: 1', 'version: 2'), 'version:'],
    ['an unknown top-level key', `${shippedText}\nextra: 1\n`, '(root): Unrecognized key: "extra"'],
    ['a missing default model', shippedText.replace('default_model: EdgeNeXt_xx_small\n', ''), 'default_model:'],
  ])('rejects %s, naming the file and the key path', (_what, text, expected) => {
    const file = write(text);
    const error = thrown(() => loadModelCatalog(file));
    expect(error.code).toBe('invalid_config');
    expect(error.message.startsWith(`model catalogue ${file}: `)).toBe(true);
    expect(error.message).toContain(expected);
  });

  it('rejects an alias used by two entries', () => {
    const file = write(mine('    aliases: [Mine2, SMALL]\n    resize: { policy: letterbox }\n'));
    expect(() => loadModelCatalog(file)).toThrow(
      `model catalogue ${file}: name 'small' is used by both EdgeNeXt_small and Mine`,
    );
  });

  it('rejects a default model that is not in the catalogue', () => {
    const file = write(shippedText.replace('default_model: EdgeNeXt_xx_small', 'default_model: EdgeNeXt_huge'));
    const error = thrown(() => loadModelCatalog(file));
    expect(error.code).toBe('invalid_config');
    expect(error.message).toBe(`model catalogue ${file}: default_model 'EdgeNeXt_huge' is not one of the models`);
  });

  it('accepts a default model given by alias', () => {
    const file = write(shippedText.replace('default_model: EdgeNeXt_xx_small', 'default_model: base'));
    expect(loadModelCatalog(file).defaultModel).toBe('base');
  });
});

describe('EDGENEXT_MODEL_CATALOG', () => {
  afterEach(() => {
    delete process.env[CATALOG_ENV];
  });

  it('points the default catalogue at a user file, so models can be added without editing the install', () => {
    process.env[CATALOG_ENV] = '/etc/edgenext/models.yaml';
    expect(defaultCatalogPath()).toBe('/etc/edgenext/models.yaml');
    delete process.env[CATALOG_ENV];
    expect(defaultCatalogPath()).toBe(SHIPPED);
  });
});
