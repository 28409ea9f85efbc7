import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EdgenextError } from '../../src/core/errors';
import { loadLabels } from '../../src/model/labels';

describe('loadLabels', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'edgenext-labels-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const codeAndMessage = (fn: () => unknown): [string, string] => {
    try {
      fn();
    } catch (error) {
      if (error instanceof EdgenextError) return [error.code, error.message];
      throw error;
    }
    throw new Error('expected an EdgenextError');
  };

  it('returns the labels in class-index order, checking the count when given', () => {
    const p = file('ok.json', '["zero", "one", "two"]');
    expect(loadLabels(p)).toEqual(['zero', 'one', 'two']);
    expect(loadLabels(p, 3)).toEqual(['zero', 'one', 'two']);
  });

  it('names the file when it is missing or not JSON', () => {
    const missing = path.join(dir, 'missing.json');
    const [code, message] = codeAndMessage(() => loadLabels(missing));
    expect(code).toBe('invalid_config');
    expect(message.startsWith(`labels file ${missing}: `)).toBe(true);
    expect(message).toContain('ENOENT: no such file or directory');
    const broken = file('broken.json', '["a", ');
    expect(codeAndMessage(() => loadLabels(broken))[1]).toMatch(new RegExp(`^labels file ${broken}: .*JSON`));
  });

  it.each([
    ['an object', '{"0": "a"}'],
    ['a number list', '[1, 2]'],
    ['a mixed list', '["a", null]'],
  ])('refuses %s', (_what, text) => {
    const p = file('bad.json', text);
    expect(codeAndMessage(() => loadLabels(p))).toEqual([
      'invalid_config',
      `labels file ${p}: expected a JSON array of strings`,
    ]);
  });

  it('refuses a label count that differs from the model classes', () => {
    const p = file('two.json', '["a", "b"]');
    expect(codeAndMessage(() => loadLabels(p, 1000))).toEqual([
      'model_mismatch',
      `labels file ${p} has 2 labels but the model outputs 1000 classes`,
    ]);
  });
});
