/**
 * The parameter table is the single source: config/classify.yaml and docs/ros.md must agree with it, and values are
 * checked with reasons a user can act on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { convertParameter, parameterSpec, PARAMETER_SPECS } from '../../src/ros/parameters';
import { REPO_ROOT } from './support/harness';

function spec(name: string) {
  const found = parameterSpec(name);
  if (found === undefined) throw new Error(`no parameter ${name}`);
  return found;
}

describe('parameters', () => {
  it('config/classify.yaml sets every parameter, with its default and the right YAML type (integers vs doubles)', () => {
    const yaml = parse(fs.readFileSync(path.join(REPO_ROOT, 'config/classify.yaml'), 'utf8'), {
      intAsBigInt: true,
    }) as Record<string, { ros__parameters: Record<string, unknown> }>;
    expect(Object.keys(yaml)).toEqual(['/**']);
    const values = yaml['/**']?.ros__parameters ?? {};
    expect(Object.keys(values).sort()).toEqual(PARAMETER_SPECS.map((s) => s.name).sort());
    for (const s of PARAMETER_SPECS) {
      const value = values[s.name];
      const expected = s.kind === 'integer' ? BigInt(s.default) : s.default;
      expect({ name: s.name, value }).toEqual({ name: s.name, value: expected });
    }
  });

  it('docs/ros.md documents every parameter in its table, with its default', () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/ros.md'), 'utf8');
    for (const s of PARAMETER_SPECS) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${s.name}\` |`));
      expect({ name: s.name, documented: row !== undefined }).toEqual({ name: s.name, documented: true });
      expect(row).toContain(s.live ? '| yes |' : '| no |');
    }
  });

  it.each([
    ['top_k', 2, 3n, { value: 3 }],
    ['top_k', 2, 101n, { reason: 'parameter top_k = 101 is out of range [1, 100]' }],
    [
      'score_threshold',
      2,
      1n,
      {
        reason: 'parameter score_threshold must be double, got integer (write doubles with a decimal point, e.g. 1.0)',
      },
    ],
    ['score_threshold', 3, Number.NaN, { reason: 'parameter score_threshold must be a finite number, got NaN' }],
    ['backend', 4, 'cuda', { reason: "parameter backend = 'cuda' is not one of: 'auto', 'bpu', 'onnx'" }],
    ['image_topics', 9, [], { reason: 'parameter image_topics must name at least one topic' }],
    ['image_topics', 9, ['a', 'a'], { reason: 'parameter image_topics names a topic twice' }],
    ['image_topics', 9, ['/a', 'b/compressed'], { value: ['/a', 'b/compressed'] }],
  ] as const)('%s (type %d) = %p -> %p', (name, type, value, expected) => {
    expect(convertParameter(spec(name), type, value)).toEqual(expected);
  });
});
