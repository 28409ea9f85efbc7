import path from 'node:path';

/** Repository root and the shared, read-only fixtures beside it. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures');
export const FIXTURE_IMAGES = path.join(FIXTURES, 'images');
