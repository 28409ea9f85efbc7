/**
 * Builds the edgenext package the way docs/ros.md tells a robot builder to: the repository is copied into
 * `<tmp>/ws/src/edgenext` and the doc's ci-step blocks run in bash with `~/ws` pointing at that workspace. Then the
 * overlay's environment is captured for the tests.
 *
 * EDGENEXT_ROS_REUSE=1 keeps an existing workspace's node_modules (npm steps skipped) and only refreshes the sources,
 * dist/ and the colcon install: for iterating on the tests, never in CI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDocSteps, type DocStep } from './docSteps';
import { CONTEXT_FILE, type RosContext } from './rosContext';

const REPO = path.resolve(__dirname, '../../..');
const ROOT = path.dirname(CONTEXT_FILE);

/** A robot has no pyenv: its shims would make CMake pick a Python without the ROS modules (docs/ros.md step 4). */
function robotPath(pathValue: string): string {
  return pathValue
    .split(':')
    .filter((entry) => !/pyenv|conda/.test(entry))
    .join(':');
}

function copySources(destination: string): void {
  fs.rmSync(destination, { recursive: true, force: true });
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '' && fs.existsSync(path.join(REPO, f)));
  for (const file of files) {
    const target = path.join(destination, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(REPO, file), target);
  }
}

/**
 * All steps in ONE shell, in order, as a user types them: `source install/setup.bash` in one step must still hold in
 * the next. Each step is bracketed by marker lines, so a failure names its step.
 */
function runSteps(steps: readonly DocStep[], workspace: string, env: NodeJS.ProcessEnv): void {
  const started = Date.now();
  const script = steps
    .map((step, i) => `echo "::step ${i}"\n${step.script.replaceAll('~/ws', workspace)}\ncd /`)
    .join('\n');
  // No `set -u`: ROS' setup.bash reads unset variables.
  const result = spawnSync('bash', ['-c', `set -eo pipefail\n${script}\necho "::step done"\n`], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout}${result.stderr}`;
  const reached = [...result.stdout.matchAll(/^::step (\d+|done)$/gm)].map((m) => m[1]).pop();
  const missing = /missing generated messages: .*/.exec(output);
  if (result.status !== 0 || reached !== 'done' || missing !== null) {
    const failed = reached === undefined || reached === 'done' ? steps[steps.length - 1] : steps[Number(reached)];
    throw new Error(
      `docs/ros.md step '${failed?.name}' failed (exit ${result.status}${missing ? `, ${missing[0]}` : ''}):\n` +
        output.slice(-6000),
    );
  }
  process.stderr.write(
    `ros-real: ran the ${steps.length} install steps of docs/ros.md in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
}

function overlayEnvironment(workspace: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const dump = execFileSync('bash', ['-c', `source ${workspace}/install/setup.bash && env -0`], {
    env,
    encoding: 'utf8',
  });
  const captured: Record<string, string> = {};
  for (const entry of dump.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) captured[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return captured;
}

export default async function globalSetup(): Promise<void> {
  const workspace = path.join(ROOT, 'ws');
  const source = path.join(workspace, 'src', 'edgenext');
  const appDir = path.join(workspace, 'install', 'edgenext', 'lib', 'edgenext_app');
  const reuse = process.env.EDGENEXT_ROS_REUSE === '1' && fs.existsSync(path.join(appDir, 'node_modules', 'rclnodejs'));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: robotPath(process.env.PATH ?? '') };
  delete env.npm_config_prefix;

  if (!reuse) fs.rmSync(workspace, { recursive: true, force: true });
  const keptModules = path.join(ROOT, 'kept_node_modules');
  if (reuse) {
    fs.rmSync(keptModules, { recursive: true, force: true });
    fs.renameSync(path.join(source, 'node_modules'), keptModules);
  }
  copySources(source);
  if (reuse) fs.renameSync(keptModules, path.join(source, 'node_modules'));

  const steps = readDocSteps(path.join(REPO, 'docs', 'ros.md'));
  if (steps.length < 4) throw new Error(`docs/ros.md has ${steps.length} ci-step blocks, expected at least 4`);
  runSteps(
    reuse
      ? // The same commands minus the installs: rebuild dist/ from the copied sources, keep node_modules.
        steps.map((step) => ({
          name: step.name,
          script: step.script
            .split('\n')
            .map((line) => line.replace('npm ci && ', ''))
            .filter((line) => !/^\s*(npm ci|npm_config_yes=true npm install)/.test(line))
            .join('\n'),
        }))
      : steps,
    workspace,
    env,
  );
  const context: RosContext = { workspace, appDir, env: overlayEnvironment(workspace, env) };
  fs.mkdirSync(ROOT, { recursive: true });
  fs.writeFileSync(CONTEXT_FILE, JSON.stringify(context));
}
