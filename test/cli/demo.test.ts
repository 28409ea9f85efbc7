/**
 * The README's first command ends in `npm run demo`: it must classify the bundled bag, and again when run a second
 * time (its results folder then exists).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/paths';

function runDemo(): { status: number | null; output: string } {
  const result = spawnSync('npm', ['run', '--silent', 'demo'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

it('npm run demo replays the bundled bag, every time it is run', () => {
  for (let run = 1; run <= 2; run++) {
    const { status, output } = runDemo();
    expect({ run, status }).toEqual({ run, status: 0 });
    expect(output).toMatch(/total: 42 frames, 42 classified, dropped 0/);
    expect(output).toMatch(/synthetic weights: class labels are not meaningful/);
  }
  const results = fs.readFileSync(path.join(REPO_ROOT, 'results', 'edgenext_demo_results.jsonl'), 'utf8');
  expect(results.trim().split('\n')).toHaveLength(42);
});
