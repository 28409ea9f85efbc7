/**
 * Runs the conformance scenarios against real rclnodejs in child `node` processes: rclnodejs is an ES module that
 * jest's module registry cannot require, and a callback exception aborts the whole process.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { CONTEXT_FILE, loadRosContext, rosEnv } from '../support/rosContext';
import type { FatalOutcome, Observation } from './scenarios';

/** The child: loads rclnodejs and the transpiled scenarios, runs the named ones, writes the observations as JSON. */
const CHILD_SOURCE = `
const fs = require('node:fs');
const path = require('node:path');
const [scenariosJs, rclDir, outFile, kind, ...names] = process.argv.slice(2);
const module_ = require(scenariosJs);
const rcl = require(rclDir);
rcl.removeSignalHandlers();
const table = kind === 'fatal' ? module_.fatalScenarios : module_.scenarios;
const scratch = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'conformance-'));
const context = {
  writeFile(name, text) {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, text);
    return file;
  },
  settleMs: 1500,
};
(async () => {
  const out = {};
  for (const name of names) out[name] = await table[name](rcl, context);
  fs.writeFileSync(outFile, JSON.stringify(out));
  fs.rmSync(scratch, { recursive: true, force: true });
  process.exit(0);
})().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + '\\n');
  process.exit(1);
});
`;

export interface RealRun {
  readonly observations: Record<string, Observation>;
  readonly fatal: Record<string, FatalOutcome>;
}

/** This suite's own DDS domain (the other real-ROS files use 81-85), so it never sees their nodes. */
export const CONFORMANCE_DOMAIN_ID = 64;

/** A real rclnodejs built against the sourced ROS, and the environment its processes get. */
export interface RealRclnodejs {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * EDGENEXT_RCLNODEJS_DIR with this process' (sourced) environment, else the rclnodejs that `npm run test:ros`'s
 * globalSetup installed into the app by docs/ros.md's steps, with that suite's sourced environment.
 */
export function findRealRclnodejs(): RealRclnodejs | undefined {
  const fromEnv = process.env.EDGENEXT_RCLNODEJS_DIR;
  if (fromEnv !== undefined && fromEnv !== '') {
    return fs.existsSync(path.join(fromEnv, 'package.json'))
      ? { dir: fromEnv, env: { ...process.env, ROS_DOMAIN_ID: String(CONFORMANCE_DOMAIN_ID) } }
      : undefined;
  }
  if (!fs.existsSync(CONTEXT_FILE)) return undefined;
  const context = loadRosContext();
  const dir = path.join(context.appDir, 'node_modules', 'rclnodejs');
  return fs.existsSync(path.join(dir, 'package.json'))
    ? { dir, env: rosEnv(context, CONFORMANCE_DOMAIN_ID) }
    : undefined;
}

function transpileScenarios(folder: string): string {
  const source = fs.readFileSync(path.join(__dirname, 'scenarios.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const file = path.join(folder, 'scenarios.js');
  fs.writeFileSync(file, outputText);
  return file;
}

function runChild(
  folder: string,
  args: { scenariosJs: string; rcl: RealRclnodejs; kind: 'plain' | 'fatal'; names: string[] },
  timeoutMs: number,
) {
  const runner = path.join(folder, 'runner.js');
  fs.writeFileSync(runner, CHILD_SOURCE);
  const outFile = path.join(folder, `out-${args.kind}-${args.names.join('-')}.json`);
  const result = spawnSync(
    process.execPath,
    [runner, args.scenariosJs, args.rcl.dir, outFile, args.kind, ...args.names],
    { encoding: 'utf8', timeout: timeoutMs, env: args.rcl.env },
  );
  return { result, outFile };
}

/** The message a `terminate called after throwing` abort printed (`what():  <message>`). */
function abortMessage(stderr: string): string | null {
  return /what\(\):\s+(.*)/.exec(stderr)?.[1]?.trim() ?? null;
}

export function runRealScenarios(rcl: RealRclnodejs, plain: string[], fatal: string[]): RealRun {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-real-'));
  try {
    const scenariosJs = transpileScenarios(folder);
    const { result, outFile } = runChild(folder, { scenariosJs, rcl, kind: 'plain', names: plain }, 120_000);
    if (result.status !== 0 || !fs.existsSync(outFile)) {
      throw new Error(
        `conformance child failed (status ${result.status}, signal ${result.signal}):\n${result.stderr}${result.stdout}`,
      );
    }
    const observations = JSON.parse(fs.readFileSync(outFile, 'utf8')) as Record<string, Observation>;
    const fatalOutcomes: Record<string, FatalOutcome> = {};
    for (const name of fatal) {
      const child = runChild(folder, { scenariosJs, rcl, kind: 'fatal', names: [name] }, 60_000);
      const died = child.result.signal === 'SIGABRT' || child.result.status === 134;
      fatalOutcomes[name] = { fatal: died, message: died ? abortMessage(child.result.stderr) : null };
    }
    return { observations, fatal: fatalOutcomes };
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}
