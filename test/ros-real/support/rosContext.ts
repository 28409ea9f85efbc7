/**
 * What globalSetup prepared (the colcon workspace and the sourced environment), shared with every test file through
 * a JSON file, and the environment each test gives its ROS processes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RosContext {
  /** The colcon workspace (src/, build/, install/). */
  readonly workspace: string;
  /** install/edgenext/lib/edgenext_app: the app as a robot runs it, with rclnodejs. */
  readonly appDir: string;
  /** The environment with ROS and the workspace overlay sourced (as `source install/setup.bash` leaves it). */
  readonly env: Record<string, string>;
}

export const CONTEXT_FILE = path.join(os.tmpdir(), 'edgenext-ros-real', 'context.json');

export function loadRosContext(): RosContext {
  if (!fs.existsSync(CONTEXT_FILE)) throw new Error(`${CONTEXT_FILE} is missing: run the suite with npm run test:ros`);
  return JSON.parse(fs.readFileSync(CONTEXT_FILE, 'utf8')) as RosContext;
}

/** The overlay environment on a DDS domain of the test file's own, so test files never see each other's topics. */
export function rosEnv(context: RosContext, domainId: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...context.env, ROS_DOMAIN_ID: String(domainId), PYTHONUNBUFFERED: '1', ...extra };
}
