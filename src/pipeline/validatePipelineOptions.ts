import { EdgenextError, ErrorCodes } from '../core/errors';
import { AGE_REFERENCES, QUEUE_POLICIES, type PipelineOptions } from './types';

/** Defaults: keep the newest frame per source, no age limit, batch 1, two calls in flight, top-5. */
export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  queuePolicy: 'latest',
  queueDepth: 1,
  maxAgeMs: 0,
  ageReference: 'stamp',
  maxBatch: 1,
  maxWaitMs: 0,
  maxInflight: 2,
  topK: 5,
  scoreThreshold: 0,
};

const OPTION_NAMES = Object.keys(DEFAULT_PIPELINE_OPTIONS) as (keyof PipelineOptions)[];

function invalid(name: string, value: unknown, rule: string): EdgenextError {
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return new EdgenextError(ErrorCodes.invalidArgument, `invalid pipeline option ${name}: ${shown} (${rule})`);
}

function integerAtLeast(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalid(name, value, `must be an integer >= ${min}`);
  }
  return value;
}

function finiteAtLeast(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(name, value, `must be a finite number >= ${min}`);
  }
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(name, value, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/**
 * Fills defaults (or the values of `base`) and checks every field. Throws EdgenextError 'invalid_argument' naming
 * the option and the value, e.g. `invalid pipeline option queueDepth: -1 (must be an integer >= 1)`, and for a
 * misspelt option name `unknown pipeline option 'queue_depth'`.
 */
export function validatePipelineOptions(
  partial: Partial<PipelineOptions>,
  base: PipelineOptions = DEFAULT_PIPELINE_OPTIONS,
): PipelineOptions {
  for (const key of Object.keys(partial)) {
    if (!(OPTION_NAMES as string[]).includes(key)) {
      throw new EdgenextError(
        ErrorCodes.invalidArgument,
        `unknown pipeline option '${key}' (known: ${OPTION_NAMES.join(', ')})`,
      );
    }
  }
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) merged[key] = value;
  }
  const scoreThreshold = finiteAtLeast('scoreThreshold', merged.scoreThreshold, 0);
  if (scoreThreshold > 1) throw invalid('scoreThreshold', scoreThreshold, 'must be between 0 and 1');
  return {
    queuePolicy: oneOf('queuePolicy', merged.queuePolicy, QUEUE_POLICIES),
    queueDepth: integerAtLeast('queueDepth', merged.queueDepth, 1),
    maxAgeMs: finiteAtLeast('maxAgeMs', merged.maxAgeMs, 0),
    ageReference: oneOf('ageReference', merged.ageReference, AGE_REFERENCES),
    maxBatch: integerAtLeast('maxBatch', merged.maxBatch, 1),
    maxWaitMs: finiteAtLeast('maxWaitMs', merged.maxWaitMs, 0),
    maxInflight: integerAtLeast('maxInflight', merged.maxInflight, 1),
    topK: integerAtLeast('topK', merged.topK, 1),
    scoreThreshold,
  };
}
