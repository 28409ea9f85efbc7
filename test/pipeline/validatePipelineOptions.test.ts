import { EdgenextError } from '../../src/core/errors';
import { DEFAULT_PIPELINE_OPTIONS, validatePipelineOptions, type PipelineOptions } from '../../src/pipeline';

function errorOf(partial: Record<string, unknown>): EdgenextError {
  try {
    validatePipelineOptions(partial as Partial<PipelineOptions>);
  } catch (error) {
    if (error instanceof EdgenextError) return error;
    throw error;
  }
  throw new Error('expected validatePipelineOptions to throw');
}

describe('validatePipelineOptions', () => {
  it('fills the documented defaults', () => {
    expect(validatePipelineOptions({})).toEqual({
      queuePolicy: 'latest',
      queueDepth: 1,
      maxAgeMs: 0,
      ageReference: 'stamp',
      maxBatch: 1,
      maxWaitMs: 0,
      maxInflight: 2,
      topK: 5,
      scoreThreshold: 0,
    });
    expect(validatePipelineOptions({})).toEqual(DEFAULT_PIPELINE_OPTIONS);
  });

  it('keeps given values and merges onto a base', () => {
    const base = validatePipelineOptions({ queuePolicy: 'drop_oldest', queueDepth: 4 });
    expect(validatePipelineOptions({ maxBatch: 8, maxWaitMs: 2.5 }, base)).toMatchObject({
      queuePolicy: 'drop_oldest',
      queueDepth: 4,
      maxBatch: 8,
      maxWaitMs: 2.5,
    });
  });

  it.each([
    [{ queueDepth: -1 }, 'invalid pipeline option queueDepth: -1 (must be an integer >= 1)'],
    [{ queueDepth: 0 }, 'invalid pipeline option queueDepth: 0 (must be an integer >= 1)'],
    [{ queueDepth: 2.5 }, 'invalid pipeline option queueDepth: 2.5 (must be an integer >= 1)'],
    [{ maxBatch: 0 }, 'invalid pipeline option maxBatch: 0 (must be an integer >= 1)'],
    [{ maxInflight: 0 }, 'invalid pipeline option maxInflight: 0 (must be an integer >= 1)'],
    [{ topK: 0 }, 'invalid pipeline option topK: 0 (must be an integer >= 1)'],
    [{ maxAgeMs: -5 }, 'invalid pipeline option maxAgeMs: -5 (must be a finite number >= 0)'],
    [{ maxWaitMs: Number.NaN }, 'invalid pipeline option maxWaitMs: NaN (must be a finite number >= 0)'],
    [{ maxBatch: '4' }, "invalid pipeline option maxBatch: '4' (must be an integer >= 1)"],
    [{ scoreThreshold: 1.5 }, 'invalid pipeline option scoreThreshold: 1.5 (must be between 0 and 1)'],
    [
      { queuePolicy: 'fifo' },
      "invalid pipeline option queuePolicy: 'fifo' (must be one of latest, drop_oldest, drop_newest)",
    ],
    [{ ageReference: 'header' }, "invalid pipeline option ageReference: 'header' (must be one of stamp, receive_time)"],
    [
      { queue_depth: 3 },
      "unknown pipeline option 'queue_depth' (known: queuePolicy, queueDepth, maxAgeMs, ageReference, maxBatch, maxWaitMs, maxInflight, topK, scoreThreshold)",
    ],
  ])('rejects %j', (partial, message) => {
    const error = errorOf(partial);
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toBe(message);
  });
});
