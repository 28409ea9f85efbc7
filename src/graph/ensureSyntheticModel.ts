import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { EdgenextError, ErrorCodes } from '../core/errors';
import { buildEdgeNeXtModel, GRAPH_BUILDER_VERSION, validateBuildArguments } from './buildEdgeNeXtModel';
import type { EdgeNeXtVariant } from './edgenextVariants';
import { DEFAULT_WEIGHT_SEED } from './syntheticWeights';
import { writeFileAtomic } from './writeFileAtomic';

/** Environment variable that overrides the default cache folder. */
export const CACHE_DIR_ENV = 'EDGENEXT_CACHE_DIR';

export interface EnsureSyntheticModelOptions {
  /** Weight generator seed. Default 12345. */
  readonly seed?: number;
  /** Cache folder. Default `$EDGENEXT_CACHE_DIR`, else `~/.cache/edgenext/models`. Created if missing. */
  readonly cacheDir?: string;
}

/** The default cache folder for synthetic models. */
export function defaultModelCacheDir(): string {
  const fromEnv = process.env[CACHE_DIR_ENV];
  return fromEnv && fromEnv.length > 0 ? fromEnv : path.join(os.homedir(), '.cache', 'edgenext', 'models');
}

/** File name of a cached synthetic model; includes the builder version so older caches are not reused. */
export function syntheticModelFileName(variant: EdgeNeXtVariant, seed: number): string {
  return `edgenext_${variant}_synthetic_seed${seed}_g${GRAPH_BUILDER_VERSION}.onnx`;
}

// Callers in the same process that ask for the same file share one build.
const pending = new Map<string, Promise<string>>();

async function isNonEmptyFile(file: string): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat !== undefined && stat.isFile() && stat.size > 0;
}

/**
 * Path of a synthetic-weight model of `variant`, generated into the cache folder on first use and reused
 * afterwards. Files appear by rename, so concurrent callers (also in other processes) never read a half
 * file. Its weights are synthetic: class labels are not meaningful.
 * Building blocks the event loop for the build time (about 0.15 s for xx_small, 1 s for base).
 * @throws EdgenextError(invalid_argument) for an unknown variant or a bad seed;
 *   EdgenextError(invalid_config) when the cache folder cannot be created or written.
 */
export async function ensureSyntheticModel(
  variant: EdgeNeXtVariant,
  options: EnsureSyntheticModelOptions = {},
): Promise<string> {
  const seed = options.seed ?? DEFAULT_WEIGHT_SEED;
  validateBuildArguments(variant, seed);
  const cacheDir = path.resolve(options.cacheDir ?? defaultModelCacheDir());
  const file = path.join(cacheDir, syntheticModelFileName(variant, seed));
  if (await isNonEmptyFile(file)) return file;

  const inFlight = pending.get(file);
  if (inFlight) return inFlight;
  const job = (async () => {
    try {
      await fs.mkdir(cacheDir, { recursive: true });
    } catch (error) {
      throw new EdgenextError(
        ErrorCodes.invalidConfig,
        `cannot create model cache folder ${cacheDir}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    await writeFileAtomic(file, buildEdgeNeXtModel(variant, { seed }), { errorCode: ErrorCodes.invalidConfig });
    return file;
  })();
  pending.set(file, job);
  try {
    return await job;
  } finally {
    pending.delete(file);
  }
}
