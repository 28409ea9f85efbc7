import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures');
export const FIXTURE_BAGS = path.join(FIXTURES, 'bags');

/**
 * Copies fixture bags into a fresh temp dir (the fixtures are read-only in CI, and some db3 files use WAL
 * mode). Returns the temp dir; remove it with `rm(dir, { recursive: true })`.
 */
export async function copyFixtureBags(names: readonly string[]): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edgenext-bags-'));
  for (const name of names) await cp(path.join(FIXTURE_BAGS, name), path.join(dir, name), { recursive: true });
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
