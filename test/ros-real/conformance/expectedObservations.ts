/**
 * The observations of the conformance scenarios (scenarios.ts), as measured on real rclnodejs 2.2.0 over ROS 2
 * Humble (rcl + rmw_cyclonedds_cpp, loopback, Debian 12, Node 20) on 2026-12-06. Both the double
 * (double.conformance.test.ts) and the real library (rclnodejs.real.test.ts) must produce exactly these.
 */
import type { FatalOutcome, Observation } from './scenarios';

export const expectedObservations: Record<string, Observation> = {
  qosMismatch: {
    subscriptionCount: { bestEffortPublisher: 1, reliablePublisher: 1 },
    reliableFromBestEffort: 0,
    bestEffortFromBestEffortAll: true,
    reliableFromReliable: 5,
  },
  paramsFileKeys: {
    noNamespace: {
      from_wildcard: '1n',
      from_bare_name: '2n',
      from_slash_name: '0n',
      from_full_name: '0n',
      from_other_node: '0n',
    },
    inNamespace: {
      from_wildcard: '1n',
      from_bare_name: '2n',
      from_slash_name: '0n',
      from_full_name: '0n',
      from_other_node: '0n',
    },
  },
  integerArrayOverride: {
    constructor: "ParameterTypeError: Type mismatch for parameter 'input_size': expected 7, got object",
  },
  bigintParameters: {
    fromNumberDefault: { type: 2, value: '5n', valueType: 'bigint' },
    overridden: { type: 2, value: '7n', valueType: 'bigint' },
    huge: { type: 2, value: '9007199254740992n', valueType: 'bigint' },
    doubleOverride: { type: 3, value: 0.5, valueType: 'number' },
    numberValueRefused: 'RangeError: The number 0.5 cannot be converted to a BigInt because it is not an integer',
  },
  descriptorChecks: {
    integerOverrideWithDescriptor: 'Error: Parameter threshold does not  readonly',
    integerOverrideWithoutDescriptor: { type: 2, value: '1n', valueType: 'bigint' },
    outOfRangeDefault: 'Error: Parameter wide does not  readonly',
    defaultStepRange: 'Error: Parameter stepped does not  readonly',
    declaredTwice: 'Error: Parameter([object Object]) already declared.',
    set: {
      readOnly: { successful: false, reason: 'Parameter model is readonly' },
      outOfRange: { successful: false, reason: 'Parameter score does not  readonly' },
      wrongType: { successful: false, reason: 'Parameter score does not  readonly' },
      integerOutOfRange: { successful: false, reason: 'Parameter top_k does not  readonly' },
      undeclared: { successful: false, reason: 'Parameter nobody does not  readonly' },
      vetoedByCallback: { successful: false, reason: 'top_k: 7 is vetoed by the node' },
      accepted: { successful: true, reason: '' },
    },
    seenByCallback: ['top_k=7n', 'top_k=3n'],
    afterSets: { model: 'a', score: 0.5, top_k: '3n' },
  },
  preSetCallbacks: {
    declaredFromInteger: { type: 3, value: 1, valueType: 'number' },
    frozenDeclare: 'Error: parameter list is empty after pre-set callback; set rejected',
    integerForDouble: { successful: true, reason: '' },
    afterIntegerForDouble: { type: 3, value: 0, valueType: 'number' },
    integerOutOfRange: { successful: false, reason: 'Parameter score does not  readonly' },
    seen: ['score:2', 'frozen:1', 'score:2', 'score:2'],
  },
  imageBytes: {
    subarrayView: {
      constructor: 'Uint8Array',
      isBuffer: false,
      byteOffset: 0,
      ownsBuffer: true,
      bytes: [0, 1, 2, 3, 4, 5],
    },
    freshCopy: {
      constructor: 'Uint8Array',
      isBuffer: false,
      byteOffset: 0,
      ownsBuffer: true,
      bytes: [100, 101, 102, 103, 104, 105],
    },
    raw: { isBuffer: true, cdrHeader: [0, 1, 0, 0] },
  },
  simTime: {
    useSimTime: { type: 1, value: true, valueType: 'boolean' },
    wallNodeUseSimTime: { type: 1, value: false, valueType: 'boolean' },
    declareUseSimTimeAgain: 'Error: Parameter([object Object]) already declared.',
    beforeClock: { sec: 0, nanosec: 0 },
    afterReliableClock: { sec: 1234, nanosec: 5678 },
    bestEffortMatched: 0,
    afterBestEffortClock: { sec: 1234, nanosec: 5678 },
    wallNodeFollowsWallClock: true,
  },
};

export const expectedFatalOutcomes: Record<string, FatalOutcome> = {
  subscriptionThrows: { fatal: true, message: 'boom in subscription' },
  timerThrows: { fatal: true, message: 'boom in timer' },
};
