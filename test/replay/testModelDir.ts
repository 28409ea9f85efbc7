import os from 'node:os';
import path from 'node:path';

/**
 * Where the end-to-end tests let openClassifier cache the synthetic model: one temp folder shared by this
 * area's test files (built once per machine), never the user's ~/.cache.
 */
export const TEST_MODEL_DIR = path.join(os.tmpdir(), 'edgenext-test-models-replay');
