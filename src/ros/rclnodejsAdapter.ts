/**
 * The only module that loads rclnodejs. It is an optional peer dependency installed on the robot with ROS sourced
 * (docs/ros.md), so nothing imports it statically: `npm ci` and every test work without ROS.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import type { Rcl } from './rcl';

/** rclnodejs 2.2 needs CommonJS require() of ES modules, which Node has from 20.19; its stated floor is 20.20.2. */
export const MIN_NODE_VERSION = [20, 20, 2] as const;
export const RCLNODEJS_VERSION = '2.2.0';

/** A variable, so TypeScript does not try to resolve the optional peer at compile time. */
const RCLNODEJS_MODULE: string = 'rclnodejs';

export interface LoadRclnodejsOptions {
  /** Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Default: process.versions.node. */
  readonly nodeVersion?: string;
  /** Loads the module. Default: a dynamic import of 'rclnodejs'. */
  readonly importModule?: (specifier: string) => Promise<unknown>;
  /** Finds the installed package's entry file, to check its generated/ messages. Default: require.resolve. */
  readonly resolveModule?: (specifier: string) => string;
}

function installHint(): string {
  return (
    `source /opt/ros/humble/setup.bash (and the edgenext overlay's install/setup.bash), then run ` +
    `"npm_config_yes=true npm install --no-save --save-optional --omit=dev --ignore-scripts=false rclnodejs@${RCLNODEJS_VERSION}" in the ` +
    `edgenext app folder (install/edgenext/lib/edgenext_app, see docs/ros.md step 5)`
  );
}

function versionAtLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version
    .replace(/^v/, '')
    .split('.')
    .map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < minimum.length; i++) {
    const have = parts[i] ?? 0;
    const need = minimum[i] ?? 0;
    if (have !== need) return have > need;
  }
  return true;
}

/**
 * Checks what rclnodejs needs before importing it: importing without a sourced ROS silently falls through to a
 * 5-minute node-gyp rebuild (../shared/docs/ros2-integration.md §1.1), so refuse early with one clear line instead.
 * Throws EdgenextError backend_unavailable naming what is missing.
 */
export function checkRosEnvironment(env: NodeJS.ProcessEnv, nodeVersion: string): void {
  if (!versionAtLeast(nodeVersion, MIN_NODE_VERSION)) {
    throw new EdgenextError(
      ErrorCodes.backendUnavailable,
      `Node.js ${nodeVersion} is too old for rclnodejs ${RCLNODEJS_VERSION}: install Node >= ${MIN_NODE_VERSION.join('.')} ` +
        `(NodeSource) and make sure it is first on PATH in the shell that runs ros2 launch`,
    );
  }
  if (!env.ROS_DISTRO || !env.AMENT_PREFIX_PATH) {
    throw new EdgenextError(
      ErrorCodes.backendUnavailable,
      `ROS 2 is not sourced (ROS_DISTRO or AMENT_PREFIX_PATH is not set): ${installHint()}`,
    );
  }
}

/** rclnodejs' `generated/` folder must hold the message packages the node uses (§0 fact 2: a poisoned install). */
export const REQUIRED_GENERATED_PACKAGES = ['std_msgs', 'sensor_msgs', 'diagnostic_msgs', 'rcl_interfaces'] as const;

function checkGeneratedMessages(entryFile: string): void {
  // dist/index.cjs -> package root.
  let dir = path.dirname(entryFile);
  for (let i = 0; i < 3 && !fs.existsSync(path.join(dir, 'package.json')); i++) dir = path.dirname(dir);
  const generated = path.join(dir, 'generated');
  const missing = REQUIRED_GENERATED_PACKAGES.filter((pkg) => !fs.existsSync(path.join(generated, pkg)));
  if (missing.length > 0) {
    throw new EdgenextError(
      ErrorCodes.backendUnavailable,
      `rclnodejs has no generated messages for ${missing.join(', ')} in ${generated}: with ROS and the edgenext ` +
        `overlay sourced, run "rm -rf ${generated} && npx generate-ros-messages" in the app folder`,
    );
  }
}

/** CommonJS output turns `import()` into require() wrapped by __importStar: the rcl object is then `.default`. */
export function pickRclExport(loaded: unknown): Rcl {
  const candidates = [(loaded as { default?: unknown } | null)?.default, loaded];
  for (const candidate of candidates) {
    if (
      candidate !== null &&
      typeof candidate === 'object' &&
      typeof (candidate as { init?: unknown }).init === 'function' &&
      typeof (candidate as { Node?: unknown }).Node === 'function'
    ) {
      return candidate as Rcl;
    }
  }
  throw new EdgenextError(
    ErrorCodes.backendUnavailable,
    `rclnodejs loaded but exports no init()/Node: expected rclnodejs ${RCLNODEJS_VERSION}`,
  );
}

/**
 * Loads rclnodejs after checking the environment. Every failure is an EdgenextError (backend_unavailable) whose
 * message is the one line to print: what is missing and how to fix it.
 */
export async function loadRclnodejs(options: LoadRclnodejsOptions = {}): Promise<Rcl> {
  checkRosEnvironment(options.env ?? process.env, options.nodeVersion ?? process.versions.node);
  const resolveModule = options.resolveModule ?? ((specifier: string) => require.resolve(specifier));
  let entryFile: string;
  try {
    entryFile = resolveModule(RCLNODEJS_MODULE);
  } catch {
    throw new EdgenextError(ErrorCodes.backendUnavailable, `rclnodejs is not installed: ${installHint()}`);
  }
  checkGeneratedMessages(entryFile);
  const importModule = options.importModule ?? ((specifier: string) => import(specifier) as Promise<unknown>);
  let loaded: unknown;
  try {
    loaded = await importModule(RCLNODEJS_MODULE);
  } catch (error) {
    throw new EdgenextError(
      ErrorCodes.backendUnavailable,
      `rclnodejs failed to load (${errorMessage(error)}): run once with DEBUG=rclnodejs* to see why the prebuilt ` +
        `binary was not used, and check that ROS ${process.env.ROS_DISTRO ?? ''} is sourced in this shell`,
      { cause: error },
    );
  }
  return pickRclExport(loaded);
}
