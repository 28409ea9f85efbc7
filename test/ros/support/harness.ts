/**
 * Starts the real ClassifierNode (real pipeline, real CDR decoder) on the rclnodejs double with the fake classifier.
 */
import * as path from 'node:path';
import { decodeImageMessage } from '../../../src/messages';
import { createPipeline } from '../../../src/pipeline';
import { ClassifierNode, type ClassifierNodeOptions } from '../../../src/ros/ClassifierNode';
import type { OpenClassifier } from '../../../src/ros/ports';
import type { Rcl } from '../../../src/ros/rcl';
import {
  createRclDouble,
  type FloatingPointRange,
  type IntegerRange,
  type Parameter,
  type ParameterDescriptor,
  type QoS,
  type RclDouble,
  type RclDoubleOptions,
} from '../double/rclnodejsDouble';
import { createFakeClassifier, type FakeBackendControl } from './fakeClassifier';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const PARAMS_FILE = path.join(REPO_ROOT, 'config/classify.yaml');

export interface Harness {
  readonly node: ClassifierNode;
  readonly double: RclDouble;
  readonly control: FakeBackendControl;
}

type DoubleHandles = {
  qos: QoS;
  parameter: Parameter;
  descriptor: ParameterDescriptor;
  range: FloatingPointRange | IntegerRange;
};

/**
 * The double must satisfy the same declarations as real rclnodejs, with its own classes as the opaque handles
 * (a compile-time check, like .ci/rclnodejs-typecheck/conformance.ts for the real module).
 */
export function asRcl(double: RclDouble): Rcl {
  const checked: Rcl<DoubleHandles> = double.rcl;
  return checked as unknown as Rcl;
}

export async function startHarness(
  options: RclDoubleOptions & { node?: ClassifierNodeOptions; openClassifier?: OpenClassifier } = {},
): Promise<Harness> {
  const double = createRclDouble(options);
  let control: FakeBackendControl | undefined;
  const openClassifier: OpenClassifier =
    options.openClassifier ??
    (async (classifierOptions) => {
      const fake = createFakeClassifier(classifierOptions);
      control = fake.control;
      return fake.classifier;
    });
  const node = await ClassifierNode.start(
    { rcl: asRcl(double), openClassifier, createPipeline, decodeImageMessage },
    { drainTimeoutMs: 500, ...options.node },
  );
  if (control === undefined && options.openClassifier === undefined) throw new Error('fake classifier was not opened');
  return { node, double, control: control as FakeBackendControl };
}

export function rosArgs(...args: string[]): string[] {
  return ['node', 'main.js', '--ros-args', ...args];
}

export const stampOf = (i: number): { sec: number; nanosec: number } => ({
  sec: 1_700_000_000 + i,
  nanosec: 1000 * i + 7,
});

/** Stops a test's node and checks that nothing went wrong inside a callback on the way (for afterEach). */
export async function stopChecked(harness: Harness | undefined): Promise<void> {
  if (harness === undefined) return;
  await harness.node.stop();
  expect(harness.double.graph.callbackErrors).toEqual([]);
  expect(harness.node.callbackErrors).toBe(0);
}
