import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ErrorCodes } from '../../src/core/errors';
import {
  buildEdgeNeXtModel,
  CACHE_DIR_ENV,
  defaultModelCacheDir,
  ensureSyntheticModel,
  type EdgeNeXtVariant,
} from '../../src/graph';

describe('ensureSyntheticModel', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'edgenext-cache-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates once into the cache folder, shares concurrent calls, and reuses the file later', async () => {
    const cacheDir = path.join(dir, 'models');
    const paths = await Promise.all([1, 2, 3].map(() => ensureSyntheticModel('xx_small', { cacheDir })));
    expect(new Set(paths).size).toBe(1);
    const file = paths[0] as string;
    expect(path.dirname(file)).toBe(cacheDir);
    expect(path.basename(file)).toMatch(/^edgenext_xx_small_synthetic_seed12345_g\d+\.onnx$/);
    expect(Buffer.compare(readFileSync(file), Buffer.from(buildEdgeNeXtModel('xx_small')))).toBe(0);
    // Only the finished file: no temporary file left behind.
    expect(readdirSync(cacheDir)).toEqual([path.basename(file)]);

    const before = statSync(file);
    expect(await ensureSyntheticModel('xx_small', { cacheDir })).toBe(file);
    const after = statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('keeps models of different seeds apart', async () => {
    const cacheDir = path.join(dir, 'seeds');
    const a = await ensureSyntheticModel('xx_small', { cacheDir, seed: 1 });
    const b = await ensureSyntheticModel('xx_small', { cacheDir, seed: 2 });
    expect(a).not.toBe(b);
    expect(Buffer.compare(readFileSync(a), readFileSync(b))).not.toBe(0);
  });

  it('defaults to $EDGENEXT_CACHE_DIR, else ~/.cache/edgenext/models', () => {
    const saved = process.env[CACHE_DIR_ENV];
    try {
      process.env[CACHE_DIR_ENV] = '/somewhere/models';
      expect(defaultModelCacheDir()).toBe('/somewhere/models');
      delete process.env[CACHE_DIR_ENV];
      expect(defaultModelCacheDir()).toBe(path.join(os.homedir(), '.cache', 'edgenext', 'models'));
    } finally {
      if (saved === undefined) delete process.env[CACHE_DIR_ENV];
      else process.env[CACHE_DIR_ENV] = saved;
    }
  });

  it('rejects an unknown variant and a bad seed with invalid_argument', async () => {
    await expect(ensureSyntheticModel('huge' as EdgeNeXtVariant, { cacheDir: dir })).rejects.toMatchObject({
      code: ErrorCodes.invalidArgument,
      message: 'unknown EdgeNeXt variant "huge" (expected one of: xx_small, x_small, small, base)',
    });
    await expect(ensureSyntheticModel('xx_small', { cacheDir: dir, seed: 1.5 })).rejects.toMatchObject({
      code: ErrorCodes.invalidArgument,
      message: 'seed must be an integer from 0 to 4294967295, got 1.5',
    });
  });

  it('reports a cache folder that cannot be created with invalid_config', async () => {
    const blocker = path.join(dir, 'blocker');
    writeFileSync(blocker, 'a file where the cache folder should be');
    await expect(ensureSyntheticModel('xx_small', { cacheDir: path.join(blocker, 'models') })).rejects.toMatchObject({
      code: ErrorCodes.invalidConfig,
      message: expect.stringMatching(/^cannot create model cache folder .*blocker\/models: /),
    });
  });
});
