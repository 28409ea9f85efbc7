/**
 * The node process: load rclnodejs, start the node, own SIGINT/SIGTERM. Separate from main.ts so that tests can run
 * the whole process logic with the double and a fake process.
 */
import {
  ClassifierNode,
  startupFailureLine,
  type ClassifierNodeDeps,
  type ClassifierNodeOptions,
} from './ClassifierNode';
import type { Rcl } from './rcl';
import { installStopSignals, type SignalProcess } from './stopSignals';

export interface RunNodeOptions extends Omit<ClassifierNodeDeps, 'rcl'> {
  /** Loads rclnodejs (src/ros/rclnodejsAdapter loadRclnodejs on a robot). */
  readonly loadRcl: () => Promise<Rcl>;
  readonly node?: ClassifierNodeOptions;
  /** Where the one failure line goes. Default: process.stderr. */
  readonly writeError?: (line: string) => void;
  readonly process?: SignalProcess;
  /** Grace period before a forced exit after a signal. Default 4000 ms. */
  readonly graceMs?: number;
}

/**
 * Starts the node and resolves with it once it is ready; on any startup failure writes ONE line (what is missing or
 * wrong, and how to fix it) and exits 1. After a signal, stops cleanly and exits 0.
 */
export async function runNode(options: RunNodeOptions): Promise<ClassifierNode | undefined> {
  const proc = options.process ?? process;
  const writeError = options.writeError ?? ((line: string) => void process.stderr.write(`${line}\n`));
  let node: ClassifierNode;
  try {
    const rcl = await options.loadRcl();
    node = await ClassifierNode.start({ ...options, rcl }, options.node);
  } catch (error) {
    writeError(startupFailureLine(error));
    proc.exit(1);
    return undefined;
  }
  installStopSignals({
    process: proc,
    stop: () => node.stop(),
    ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
    log: (line) => writeError(`edgenext: ${line}`),
  });
  return node;
}
