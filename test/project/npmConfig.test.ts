import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/paths';

const run = promisify(execFile);

describe('project npm configuration', () => {
  it('runs an npm command in the project without an "Unknown project config" warning', async () => {
    const { stdout, stderr } = await run('npm', ['exec', '--offline', '--', 'node', '-e', 'console.log("ran")'], {
      cwd: REPO_ROOT,
    });
    expect(stdout.trim()).toBe('ran');
    expect(stderr).not.toMatch(/Unknown (project|user|global) config/);
  });

  it('keeps installs offline-safe: install scripts are off for every npm, and allowScripts denies onnxruntime-node', async () => {
    const { stdout } = await run('npm', ['config', 'get', 'ignore-scripts'], { cwd: REPO_ROOT });
    expect(stdout.trim()).toBe('true');
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      allowScripts: Record<string, boolean>;
    };
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
  });
});
