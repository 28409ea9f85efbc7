/**
 * The project's own declarations of the small part of rclnodejs 2.2 that the node uses.
 *
 * Why not import rclnodejs' types: its typings reference a generated `interfaces.d.ts` that only exists on a robot
 * after message generation, several runtime getters are typed as methods (subscriptionCount, publisherCount,
 * reliability), and `ParameterType` is an ambient const enum. Everything in src/ros codes against these
 * declarations; the test double implements them; and `.ci/ros-checks.sh` type-checks that the REAL rclnodejs 2.2.0
 * module is assignable to `Rcl` (.ci/rclnodejs-typecheck/conformance.ts), so a misuse of the real API fails CI.
 *
 * Members are declared as function-typed properties (not methods) so that the conformance check compares
 * parameter types strictly (contravariantly) instead of bivariantly.
 */

/** rcl_interfaces/msg/ParameterType values (rclnodejs' `ParameterType` is a const enum; these are its numbers). */
export const ParameterTypes = {
  notSet: 0,
  bool: 1,
  integer: 2,
  double: 3,
  string: 4,
  byteArray: 5,
  boolArray: 6,
  integerArray: 7,
  doubleArray: 8,
  stringArray: 9,
} as const;
export type ParameterTypeNumber = (typeof ParameterTypes)[keyof typeof ParameterTypes];

/** rmw QoS policy numbers (rclnodejs `QoS.HistoryPolicy` etc.). */
export const QosNumbers = {
  historyKeepLast: 1,
  reliabilityReliable: 1,
  reliabilityBestEffort: 2,
  durabilityTransientLocal: 1,
  durabilityVolatile: 2,
} as const;

/** What a parameter holds at run time: integers are bigint (rclnodejs never hands out numbers for INTEGER). */
export type RclParameterValue =
  | boolean
  | bigint
  | number
  | string
  | readonly boolean[]
  | readonly bigint[]
  | readonly number[]
  | readonly string[]
  | null
  | undefined;

/**
 * Objects the node only creates through the module and hands back to it (QoS profiles, parameters, descriptors,
 * ranges). They are type parameters so that the conformance check can bind them to rclnodejs' own classes, which
 * have many more members; node code treats them as opaque apart from the fields declared in the defaults.
 */
export interface RclHandles {
  qos: object;
  parameter: RclParameter;
  descriptor: object;
  range: object;
}

export interface DefaultRclHandles {
  qos: RclQoS;
  parameter: RclParameter;
  descriptor: RclParameterDescriptor;
  range: RclRange;
}

export interface RclParameter {
  readonly name: string;
  readonly type: number;
  readonly value: unknown;
}

/** Opaque: read back only through `ros2 param describe`. */
export interface RclParameterDescriptor {
  readonly name: string;
}

/** Opaque. */
export interface RclRange {
  readonly step: number;
}

export interface RclLogger {
  debug: (message: string) => unknown;
  info: (message: string) => unknown;
  warn: (message: string) => unknown;
  error: (message: string) => unknown;
}

export interface RclTime {
  toMsg: () => { sec: number; nanosec: number };
}

export interface RclTimer {
  cancel: () => void;
}

/** Opaque QoS instance (construct with all four arguments: the constructor defaults to depth 0). */
export interface RclQoS {
  depth: number;
}

export interface RclSubscriptionOptions<Q> {
  qos?: Q | string;
  /** true: the callback receives the serialized CDR (with its 4-byte header) as a Node Buffer. */
  isRaw?: boolean;
}

export interface RclPublisherOptions<Q> {
  qos?: Q | string;
}

export interface RclSubscription {
  /** Fully resolved topic name (namespace and remaps applied). */
  readonly topic: string;
}

export interface RclPublisher {
  readonly topic: string;
  /**
   * Publishes a plain object (unknown keys are dropped silently by rclnodejs) or, for a Node Buffer, serialized CDR.
   * TypedArray fields are copied from offset 0 of their backing buffer: always pass fresh zero-offset arrays.
   */
  publish: (message: Buffer | object) => void;
}

export interface RclSetParametersResult {
  successful: boolean;
  reason: string;
}

export interface RclNode<H extends RclHandles = DefaultRclHandles> {
  name: () => string;
  namespace: () => string;
  getLogger: () => RclLogger;
  now: () => RclTime;
  /** Non-blocking: starts the background executor. Throws if already spinning. */
  spin: () => void;
  /** Stops spinning and destroys every entity of the node. */
  destroy: () => void;
  /** `periodNs` is bigint nanoseconds; a number throws TypeValidationError. */
  createTimer: (periodNs: bigint, callback: () => void) => RclTimer;
  createSubscription: (
    typeClass: string,
    topic: string,
    options: RclSubscriptionOptions<H['qos']>,
    callback: (message: Buffer) => void,
  ) => RclSubscription;
  createPublisher: (typeClass: string, topic: string, options?: RclPublisherOptions<H['qos']>) => RclPublisher;
  /** Throws when an override's type differs from the descriptor's, or the value is out of range. */
  declareParameter: (parameter: H['parameter'], descriptor?: H['descriptor']) => H['parameter'];
  /** A PARAMETER_NOT_SET parameter for an unknown name (does not throw). */
  getParameter: (name: string) => H['parameter'];
  /**
   * What the parameter service calls for `ros2 param set` (and `setParameter` calls): one verdict per parameter.
   * Writable, so that src/ros/parameterGate.ts can put the node's own validation in front of rclnodejs' checks.
   */
  setParameters: (parameters: H['parameter'][]) => RclSetParametersResult[];
  setParametersAtomically: (parameters: H['parameter'][]) => RclSetParametersResult;
  addOnSetParametersCallback: (callback: (parameters: H['parameter'][]) => RclSetParametersResult) => void;
  addPostSetParametersCallback: (callback: (parameters: H['parameter'][]) => void) => void;
}

/** The parameter types the node declares. */
export type DeclaredParameterType = 1 | 2 | 3 | 4 | 8 | 9;

/** The rclnodejs default export (the `rcl` object). */
export interface Rcl<H extends RclHandles = DefaultRclHandles> {
  /** Parses `process.argv` after `--ros-args`. Throws on a second call. */
  init: () => Promise<void>;
  /** Synchronous and idempotent. */
  shutdown: () => void;
  isShutdown: () => boolean;
  /** Removes rclnodejs' own SIGINT listener (it only calls shutdownAll and never exits the process). */
  removeSignalHandlers: () => void;
  removeROSArgs: (argv: string[]) => string[];
  Node: new (name: string, namespace?: string) => RclNode<H>;
  QoS: {
    new (history: 1, depth: number, reliability: 1 | 2, durability: 1 | 2): H['qos'];
    readonly profileSensorData: string;
    readonly profileDefault: string;
  };
  Parameter: new (name: string, type: DeclaredParameterType, value?: RclParameterValue) => H['parameter'];
  ParameterDescriptor: new (
    name: string,
    type: DeclaredParameterType,
    description?: string,
    readOnly?: boolean,
    range?: H['range'],
  ) => H['descriptor'];
  /** `step` defaults to 1 in rclnodejs: always pass 0 for a continuous range. */
  FloatingPointRange: new (from: number, to: number, step: number) => H['range'];
  IntegerRange: new (from: bigint, to: bigint, step: bigint) => H['range'];
}
