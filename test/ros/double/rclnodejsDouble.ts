/**
 * An in-process double of exactly the rclnodejs 2.2 subset the node uses (src/ros/rcl.ts), faithful to the runtime
 * behaviours listed in docs/ros2-integration.md §10 rather than to rclnodejs' .d.ts:
 * - delivery is asynchronous, one message per macrotask (setImmediate), and only while the node spins;
 * - raw subscriptions get a fresh Node Buffer holding CDR with its 4-byte header; others a plain object whose
 *   uint8[] fields are fresh Uint8Arrays (not Buffers); MessageInfo only for callbacks with 2+ parameters;
 * - QoS: a RELIABLE subscription receives nothing from a BEST_EFFORT publisher (and TRANSIENT_LOCAL nothing from
 *   VOLATILE); KEEP_LAST depth bounds what waits in "DDS"; transient-local publishers replay to late joiners;
 * - a throw in any callback is re-thrown on process.nextTick (the real library aborts the process), and recorded;
 * - integer parameters are bigint (overrides pass through a double, as rcl hands them over); parameter overrides come
 *   from `--params-file` and `-p` after `--ros-args` (of the double's argv or of `init(context, argv)`), and only the
 *   `/**` and exact bare node-name keys apply (in any namespace); an integer array anywhere makes `new Node()` throw;
 * - every declare/set check failure (type, range, undeclared name) reads "Parameter <name> does not  readonly", as in
 *   rclnodejs; on-set callbacks see only requests that passed those checks; pre-set callbacks run before them;
 * - every node declares `use_sim_time`; with it true, `now()` is the last /clock message (0 before the first), taken
 *   by a RELIABLE subscription, so a best-effort /clock publisher never reaches it;
 * - subscriptionCount/publisherCount count only QoS-compatible endpoints, as DDS matching does;
 * - createTimer needs a bigint period; the logger refuses non-strings; subscriptionCount/publisherCount are getters;
 * - publishing copies TypedArray fields from offset 0 of their backing buffer, as the real one does.
 */
import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DoubleCodec } from './doubleCodec';

export const Reliability = { systemDefault: 0, reliable: 1, bestEffort: 2 } as const;
export const Durability = { systemDefault: 0, transientLocal: 1, volatile: 2 } as const;
export const History = { systemDefault: 0, keepLast: 1, keepAll: 2 } as const;

const PT = {
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

// ---------------------------------------------------------------------------------------------------------------
// Errors with rclnodejs' names and codes

export class ParameterTypeError extends TypeError {
  readonly code = 'PARAMETER_TYPE_ERROR';
  constructor(name: string, expected: number, got: unknown) {
    super(`Type mismatch for parameter '${name}': expected ${expected}, got ${typeof got}`);
    this.name = 'ParameterTypeError';
  }
}

export class TypeValidationError extends TypeError {
  readonly code = 'INVALID_TYPE';
  constructor(message: string) {
    super(message);
    this.name = 'TypeValidationError';
  }
}

export class RangeValidationError extends RangeError {
  readonly code = 'OUT_OF_RANGE';
  constructor(message: string) {
    super(message);
    this.name = 'RangeValidationError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// QoS

interface QosValues {
  readonly history: number;
  readonly depth: number;
  readonly reliability: number;
  readonly durability: number;
}

export class QoS implements QosValues {
  static readonly profileDefault = 'qos_profile_default';
  static readonly profileSystemDefault = 'qos_profile_system_default';
  static readonly profileSensorData = 'qos_profile_sensor_data';
  static readonly profileServicesDefault = 'qos_profile_services_default';
  static readonly profileParameters = 'qos_profile_parameters';
  static readonly profileParameterEvents = 'qos_profile_parameter_events';
  static readonly HistoryPolicy = {
    RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT: 0,
    RMW_QOS_POLICY_HISTORY_KEEP_LAST: 1,
    RMW_QOS_POLICY_HISTORY_KEEP_ALL: 2,
  } as const;
  static readonly ReliabilityPolicy = {
    RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT: 0,
    RMW_QOS_POLICY_RELIABILITY_RELIABLE: 1,
    RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: 2,
  } as const;
  static readonly DurabilityPolicy = {
    RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT: 0,
    RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: 1,
    RMW_QOS_POLICY_DURABILITY_VOLATILE: 2,
  } as const;

  #history: number;
  #depth: number;
  #reliability: number;
  #durability: number;

  // Same defaults as rclnodejs: SYSTEM_DEFAULT everywhere and depth 0.
  constructor(history = 0, depth = 0, reliability = 0, durability = 0) {
    for (const [name, v] of Object.entries({ history, depth, reliability, durability })) {
      if (typeof v !== 'number') throw new TypeValidationError(`QoS ${name} must be a number, got ${typeof v}`);
    }
    this.#history = history;
    this.#depth = depth;
    this.#reliability = reliability;
    this.#durability = durability;
  }

  get history(): number {
    return this.#history;
  }
  get depth(): number {
    return this.#depth;
  }
  /** A getter at run time (typed as a method in rclnodejs' .d.ts). */
  get reliability(): number {
    return this.#reliability;
  }
  get durability(): number {
    return this.#durability;
  }
}

const PROFILES: Record<string, QosValues> = {
  qos_profile_default: { history: 1, depth: 10, reliability: 1, durability: 2 },
  qos_profile_system_default: { history: 0, depth: 0, reliability: 0, durability: 0 },
  qos_profile_sensor_data: { history: 1, depth: 5, reliability: 2, durability: 2 },
  qos_profile_services_default: { history: 1, depth: 10, reliability: 1, durability: 2 },
  qos_profile_parameters: { history: 1, depth: 1000, reliability: 1, durability: 2 },
  qos_profile_parameter_events: { history: 1, depth: 1000, reliability: 1, durability: 2 },
};

/** A profile string or QoS instance as rmw would see it; an unknown string silently becomes the default profile. */
function resolveQos(qos: unknown): QosValues {
  if (qos === undefined) return PROFILES.qos_profile_default as QosValues;
  if (typeof qos === 'string') return PROFILES[qos] ?? (PROFILES.qos_profile_default as QosValues);
  if (qos instanceof QoS) {
    // SYSTEM_DEFAULT maps to RELIABLE / VOLATILE in Cyclone and Fast DDS.
    return {
      history: qos.history,
      depth: qos.depth,
      reliability: qos.reliability === 0 ? 1 : qos.reliability,
      durability: qos.durability === 0 ? 2 : qos.durability,
    };
  }
  // The native side reads fields of a QoS instance and fails on anything else.
  throw new TypeValidationError('qos must be a profile string or a QoS instance');
}

function compatible(pub: QosValues, sub: QosValues): boolean {
  if (sub.reliability === Reliability.reliable && pub.reliability === Reliability.bestEffort) return false;
  if (sub.durability === Durability.transientLocal && pub.durability === Durability.volatile) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Parameters (lib/parameter.js semantics)

export class FloatingPointRange {
  readonly fromValue: number;
  readonly toValue: number;
  readonly step: number;
  readonly tolerance: number;
  // rclnodejs' default step is 1: FloatingPointRange(0, 1) refuses 0.5.
  constructor(from: number, to: number, step = 1, tolerance = 1e-6) {
    this.fromValue = from;
    this.toValue = to;
    this.step = step;
    this.tolerance = tolerance;
  }
  isValidType(type: number): boolean {
    return type === PT.double || type === PT.doubleArray;
  }
  inRange(value: number): boolean {
    if (typeof value !== 'number') return false;
    if (value < this.fromValue - this.tolerance || value > this.toValue + this.tolerance) return false;
    if (this.step === 0 || Math.abs(value - this.toValue) <= this.tolerance) return true;
    const k = (value - this.fromValue) / this.step;
    return Math.abs(k - Math.round(k)) <= this.tolerance;
  }
}

export class IntegerRange {
  readonly fromValue: bigint;
  readonly toValue: bigint;
  readonly step: bigint;
  constructor(from: bigint, to: bigint, step: bigint = 1n) {
    this.fromValue = from;
    this.toValue = to;
    this.step = step;
  }
  isValidType(type: number): boolean {
    return type === PT.integer || type === PT.integerArray;
  }
  inRange(value: bigint): boolean {
    if (typeof value !== 'bigint' || typeof this.fromValue !== 'bigint') {
      throw new TypeError('Cannot mix BigInt and other types, use explicit conversions');
    }
    if (value < this.fromValue || value > this.toValue) return false;
    return this.step === 0n || (value - this.fromValue) % this.step === 0n || value === this.toValue;
  }
}

type Range = FloatingPointRange | IntegerRange;

function checkValue(name: string, type: number, value: unknown): void {
  const ok = ((): boolean => {
    switch (type) {
      case PT.notSet:
        return value === undefined || value === null;
      case PT.bool:
        return typeof value === 'boolean';
      case PT.integer:
        return typeof value === 'bigint';
      case PT.double:
        return typeof value === 'number';
      case PT.string:
        return typeof value === 'string';
      case PT.boolArray:
        return Array.isArray(value) && value.every((v) => typeof v === 'boolean');
      case PT.integerArray:
        return Array.isArray(value) && value.every((v) => typeof v === 'bigint');
      case PT.doubleArray:
        return Array.isArray(value) && value.every((v) => typeof v === 'number');
      case PT.stringArray:
        return Array.isArray(value) && value.every((v) => typeof v === 'string');
      case PT.byteArray:
        return Array.isArray(value) && value.every((v) => typeof v === 'number');
      default:
        return false;
    }
  })();
  if (!ok) throw new ParameterTypeError(name, type, value);
}

export class Parameter {
  readonly name: string;
  readonly type: number;
  #value: unknown;
  constructor(name: string, type: number, value?: unknown) {
    this.name = name;
    this.type = type;
    // The real constructor passes any INTEGER value through BigInt(): 0.5 throws its RangeError.
    this.#value = type === PT.integer ? BigInt(value as bigint | number | string | boolean) : value;
    checkValue(name, type, this.#value);
  }
  get value(): unknown {
    return this.#value;
  }
  set value(v: unknown) {
    // The setter turns [] into null, which is then invalid for an array type.
    const next = Array.isArray(v) && v.length === 0 ? null : v;
    checkValue(this.name, this.type, next);
    this.#value = next;
  }
}

export class ParameterDescriptor {
  readonly name: string;
  readonly type: number;
  readonly description: string;
  readonly readOnly: boolean;
  readonly range: Range | undefined;
  constructor(name: string, type: number = PT.notSet, description = 'no description', readOnly = false, range?: Range) {
    this.name = name;
    this.type = type;
    this.description = description;
    this.readOnly = readOnly;
    this.range = range;
    if (range !== undefined && !range.isValidType(type)) {
      throw new TypeValidationError(`range of ${name} does not fit parameter type ${type}`);
    }
  }
  /** Throws RangeValidationError for a value outside the range. */
  validateParameter(parameter: Parameter): void {
    if (parameter.type !== this.type)
      throw new TypeValidationError(`parameter ${this.name} must have type ${this.type}`);
    if (this.range === undefined) return;
    const values = Array.isArray(parameter.value) ? parameter.value : [parameter.value];
    for (const v of values) {
      if (!(this.range as { inRange(v: unknown): boolean }).inRange(v)) {
        throw new RangeValidationError(`Parameter ${this.name} value ${String(v)} is out of range`);
      }
    }
  }
}

function parameterFromValue(name: string, value: unknown): Parameter {
  if (typeof value === 'boolean') return new Parameter(name, PT.bool, value);
  // rcl stores int64, but rclnodejs' native layer hands it to JS as a double: beyond 2^53 the value is rounded.
  if (typeof value === 'bigint') return new Parameter(name, PT.integer, BigInt(Number(value)));
  if (typeof value === 'number') return new Parameter(name, PT.double, value);
  if (typeof value === 'string') return new Parameter(name, PT.string, value);
  if (Array.isArray(value) && value.length > 0) {
    if (value.every((v) => typeof v === 'string')) return new Parameter(name, PT.stringArray, value);
    if (value.every((v) => typeof v === 'boolean')) return new Parameter(name, PT.boolArray, value);
    if (value.every((v) => typeof v === 'number')) return new Parameter(name, PT.doubleArray, value);
    // rcl hands integer arrays to JS as numbers, which fail rclnodejs' bigint check in the Node constructor.
    if (value.every((v) => typeof v === 'bigint')) {
      throw new ParameterTypeError(
        name,
        PT.integerArray,
        value.map((v) => Number(v)),
      );
    }
  }
  throw new Error(`Sequence should be of same type and non-empty (parameter ${name})`);
}

/** One `--params-file` or `-p` entry, keyed exactly as written (rcl keeps the YAML node keys verbatim). */
interface OverrideEntry {
  readonly nodeKey: string;
  readonly name: string;
  readonly value: unknown;
}

function flattenParameters(prefix: string, value: unknown, out: Array<[string, unknown]>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenParameters(prefix === '' ? k : `${prefix}.${k}`, v, out);
  } else out.push([prefix, value]);
}

interface ParsedArgs {
  readonly overrides: OverrideEntry[];
  readonly remaps: Array<{ from: string; to: string }>;
  readonly nodeName?: string;
  readonly namespace?: string;
}

/** Reads the ROS section of argv like rcl_parse_arguments: --params-file, -p name:=value, -r from:=to. */
function parseRosArgs(argv: readonly string[]): ParsedArgs {
  const overrides: OverrideEntry[] = [];
  const remaps: Array<{ from: string; to: string }> = [];
  let nodeName: string | undefined;
  let namespace: string | undefined;
  let inRos = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--ros-args') {
      inRos = true;
      continue;
    }
    if (arg === '--') {
      inRos = false;
      continue;
    }
    if (!inRos) continue;
    const next = argv[i + 1];
    if (arg === '--params-file' && next !== undefined) {
      i++;
      // YAML 1 is an integer (bigint in JS), 1.0 a double: rcl types them the same way.
      const doc = parseYaml(fs.readFileSync(next, 'utf8'), { intAsBigInt: true }) as Record<string, unknown>;
      for (const [nodeKey, body] of Object.entries(doc ?? {})) {
        const params = (body as { ros__parameters?: unknown } | null)?.ros__parameters;
        if (params === undefined) continue;
        const flat: Array<[string, unknown]> = [];
        flattenParameters('', params, flat);
        for (const [name, value] of flat) overrides.push({ nodeKey, name, value });
      }
    } else if ((arg === '-p' || arg === '--param') && next !== undefined) {
      i++;
      const [name, raw] = next.split(/:=(.*)/s);
      // A prefix-less -p rule is stored under /** by rcl.
      overrides.push({ nodeKey: '/**', name: name ?? '', value: parseYaml(raw ?? '', { intAsBigInt: true }) });
    } else if ((arg === '-r' || arg === '--remap') && next !== undefined) {
      i++;
      const [from, to] = next.split(':=');
      if (from === '__node' || from === '__name') nodeName = to;
      else if (from === '__ns') namespace = to;
      else if (from !== undefined && to !== undefined) remaps.push({ from, to });
    }
  }
  return {
    overrides,
    remaps,
    ...(nodeName !== undefined ? { nodeName } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The fake DDS graph shared by double nodes and the test's own publishers and subscribers

export interface LogLine {
  readonly node: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  readonly message: string;
}

interface Endpoint {
  readonly topic: string;
  readonly type: string;
  readonly qos: QosValues;
}

interface SubEndpoint extends Endpoint {
  accept(cdr: Uint8Array): void;
}

interface PubEndpoint extends Endpoint {
  /** Transient-local history replayed to late joiners. */
  readonly latched: Uint8Array[];
}

export interface ProbeOptions {
  readonly reliability?: number;
  readonly durability?: number;
  readonly depth?: number;
}

/** A subscriber in another process (e.g. `ros2 topic echo`): records decoded messages. */
export class TopicProbe<T = Record<string, unknown>> {
  readonly messages: T[] = [];
  readonly #waiters: Array<() => void> = [];

  /** @internal */
  push(message: T): void {
    this.messages.push(message);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves once `count` messages arrived; rejects after `timeoutMs` (default 5000) naming what was seen. */
  async waitFor(count: number, timeoutMs = 5000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} messages, got ${this.messages.length} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages.slice(0, count);
  }

  /** The newest message or undefined. */
  last(): T | undefined {
    return this.messages[this.messages.length - 1];
  }
}

/** A publisher in another process (a camera driver, `ros2 bag play`). */
export interface TestPublisher {
  /** A plain object (serialized to CDR) or a Buffer of CDR sent as is. */
  publish(message: object | Uint8Array): void;
  readonly subscriptionCount: number;
}

export class RosGraph {
  readonly codec: DoubleCodec;
  readonly logs: LogLine[] = [];
  /** Every exception thrown inside a callback (each one is also re-thrown on nextTick). */
  readonly callbackErrors: unknown[] = [];
  readonly #subs = new Set<SubEndpoint>();
  readonly #pubs = new Set<PubEndpoint>();
  readonly #sent = new Map<string, number>();
  /** Live timers and scheduled deliveries of every double node: must be 0 after a clean shutdown. */
  #handles = 0;

  readonly #onCallbackError: ((error: unknown, what: string) => void) | undefined;

  constructor(options: { visionMsgs: boolean; onCallbackError?: (error: unknown, what: string) => void }) {
    this.codec = new DoubleCodec(options);
    this.#onCallbackError = options.onCallbackError;
  }

  get liveHandles(): number {
    return this.#handles;
  }

  /** @internal */
  trackHandle(delta: number): void {
    this.#handles += delta;
  }

  /** @internal */
  addSubscription(sub: SubEndpoint): () => void {
    this.#subs.add(sub);
    for (const pub of this.#pubs) {
      if (pub.topic === sub.topic && pub.type === sub.type && compatible(pub.qos, sub.qos)) {
        if (sub.qos.durability === Durability.transientLocal) for (const cdr of pub.latched) sub.accept(cdr);
      }
    }
    return () => this.#subs.delete(sub);
  }

  /** @internal */
  addPublisher(pub: PubEndpoint): () => void {
    this.#pubs.add(pub);
    return () => this.#pubs.delete(pub);
  }

  /** Messages published on `topic` so far, whoever received them (a test's view of what a node sent). */
  sentCount(topic: string): number {
    return this.#sent.get(topic) ?? 0;
  }

  /** @internal Sends CDR to every matching, QoS-compatible subscription. */
  send(pub: PubEndpoint, cdr: Uint8Array): void {
    this.#sent.set(pub.topic, (this.#sent.get(pub.topic) ?? 0) + 1);
    if (pub.qos.durability === Durability.transientLocal) {
      pub.latched.push(cdr);
      while (pub.latched.length > Math.max(1, pub.qos.depth)) pub.latched.shift();
    }
    for (const sub of this.#subs) {
      if (sub.topic === pub.topic && sub.type === pub.type && compatible(pub.qos, sub.qos)) sub.accept(cdr);
    }
  }

  /** @internal Matched endpoints on the other side: DDS does not match QoS-incompatible ones. */
  matchCount(endpoint: Endpoint, side: 'pub' | 'sub'): number {
    const sameTopic = (other: Endpoint): boolean => other.topic === endpoint.topic && other.type === endpoint.type;
    let n = 0;
    if (side === 'pub') {
      for (const sub of this.#subs) if (sameTopic(sub) && compatible(endpoint.qos, sub.qos)) n++;
    } else {
      for (const pub of this.#pubs) if (sameTopic(pub) && compatible(pub.qos, endpoint.qos)) n++;
    }
    return n;
  }

  /** How many publishers (of any process) are advertised on `topic`, as `ros2 topic info` counts them. */
  publisherCount(topic: string): number {
    let n = 0;
    for (const pub of this.#pubs) if (pub.topic === topic) n++;
    return n;
  }

  /** A publisher outside the node. Default QoS: best effort, volatile, depth 5 (a camera driver). */
  publisher(topic: string, type: string, qos: ProbeOptions = {}): TestPublisher {
    const endpoint: PubEndpoint = {
      topic,
      type,
      qos: {
        history: History.keepLast,
        depth: qos.depth ?? 5,
        reliability: qos.reliability ?? Reliability.bestEffort,
        durability: qos.durability ?? Durability.volatile,
      },
      latched: [],
    };
    this.codec.definitions(type);
    this.addPublisher(endpoint);
    const send = (message: object | Uint8Array): void => {
      const cdr =
        message instanceof Uint8Array
          ? message
          : this.codec.encode(type, this.codec.normalize(type, message, { strict: true }));
      this.send(endpoint, cdr);
    };
    const count = (): number => this.matchCount(endpoint, 'pub');
    return {
      publish: send,
      get subscriptionCount() {
        return count();
      },
    };
  }

  /** A subscriber outside the node. Default QoS: reliable, volatile (`ros2 topic echo`). */
  probe<T = Record<string, unknown>>(topic: string, type: string, qos: ProbeOptions = {}): TopicProbe<T> {
    const probe = new TopicProbe<T>();
    this.addSubscription({
      topic,
      type,
      qos: {
        history: History.keepLast,
        depth: qos.depth ?? 1000,
        reliability: qos.reliability ?? Reliability.reliable,
        durability: qos.durability ?? Durability.volatile,
      },
      accept: (cdr) => probe.push(this.codec.decode<T>(type, cdr)),
    });
    return probe;
  }

  /** @internal Runs a callback the way the real executor does, but fails loudly instead of aborting. */
  invoke(what: string, callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.callbackErrors.push(error);
      if (this.#onCallbackError !== undefined) {
        this.#onCallbackError(error, what);
        return;
      }
      process.nextTick(() => {
        throw new Error(
          `exception in rclnodejs ${what} callback (the real library aborts the process): ${String(error)}`,
        );
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Node

const USE_SIM_TIME = 'use_sim_time';
const CLOCK_TYPE = 'rosgraph_msgs/msg/Clock';

function expandName(name: string, nodeName: string, namespace: string): string {
  const ns = namespace === '/' || namespace === '' ? '' : namespace.replace(/\/$/, '');
  if (name.startsWith('/')) return name;
  if (name === '~') return `${ns}/${nodeName}`;
  if (name.startsWith('~/')) return `${ns}/${nodeName}/${name.slice(2)}`;
  return `${ns}/${name}`;
}

interface DoubleSubscription {
  readonly topic: string;
  readonly isRaw: boolean;
  readonly publisherCount: number;
}

interface DoubleTimer {
  readonly period: bigint;
  cancel(): void;
  isCanceled(): boolean;
}

type SetResult = { successful: boolean; reason: string };

/** What waits in "DDS" for one subscription until the spinning node takes it. */
interface DeliveryQueue {
  sub: DoubleSubscription;
  messages: Uint8Array[];
  deliver(cdr: Uint8Array): void;
  detach(): void;
}

export interface DoubleContext {
  readonly graph: RosGraph;
  /** Replaced by `init(context, argv)` when an argv is given. */
  args: ParsedArgs;
  readonly strict: boolean;
  initialized: boolean;
  readonly nodes: Set<DoubleNode>;
}

export class DoubleNode {
  readonly #ctx: DoubleContext;
  readonly #name: string;
  readonly #namespace: string;
  readonly #overrides = new Map<string, Parameter>();
  readonly #parameters = new Map<string, { parameter: Parameter; descriptor: ParameterDescriptor | undefined }>();
  readonly #onSet: Array<(parameters: Parameter[]) => SetResult> = [];
  readonly #postSet: Array<(parameters: Parameter[]) => void> = [];
  readonly #preSet: Array<(parameters: Parameter[]) => Parameter[]> = [];
  readonly #queues: DeliveryQueue[] = [];
  readonly #publishers: Array<() => void> = [];
  readonly #timers = new Set<{ interval: NodeJS.Timeout | undefined; start(): void; stop(): void }>();
  #immediate: NodeJS.Immediate | undefined;
  #next = 0;
  /** ROS time while use_sim_time is true; undefined: system time. */
  #simTime: { sec: number; nanosec: number } | undefined;
  #clockQueue: DeliveryQueue | undefined;
  #spinning = false;
  #destroyed = false;

  constructor(ctx: DoubleContext, name: string, namespace = '') {
    if (!ctx.initialized) throw new Error('Invalid context: call rclnodejs.init() first');
    this.#ctx = ctx;
    this.#name = ctx.args.nodeName ?? name;
    this.#namespace = ctx.args.namespace ?? (namespace === '' ? '/' : namespace);
    // Every override of every node key becomes a Parameter first: an invalid one throws here whoever it was for.
    const all = ctx.args.overrides.map((o) => ({ ...o, parameter: parameterFromValue(o.name, o.value) }));
    for (const key of ['/**', this.#name]) {
      for (const o of all) if (o.nodeKey === key) this.#overrides.set(o.name, o.parameter);
    }
    ctx.nodes.add(this);
    // rclnodejs' TimeSource declares use_sim_time on every node (so the node's own code must not declare it again).
    const useSimTime = this.declareParameter(new Parameter(USE_SIM_TIME, PT.bool, false));
    if (useSimTime.type === PT.bool) this.#useSimTime(useSimTime.value === true);
  }

  /** ROS time from /clock, as rclnodejs' TimeSource: a default-QoS (RELIABLE) subscription, only while spinning. */
  #useSimTime(active: boolean): void {
    if (active && this.#clockQueue === undefined) {
      this.#simTime = { sec: 0, nanosec: 0 };
      this.createSubscription(CLOCK_TYPE, '/clock', {}, (message: { clock: { sec: number; nanosec: number } }) => {
        this.#simTime = { sec: message.clock.sec, nanosec: message.clock.nanosec };
      });
      this.#clockQueue = this.#queues[this.#queues.length - 1];
    } else if (!active && this.#clockQueue !== undefined) {
      this.#clockQueue.detach();
      this.#queues.splice(this.#queues.indexOf(this.#clockQueue), 1);
      this.#clockQueue = undefined;
      this.#simTime = undefined;
    }
  }

  name(): string {
    return this.#name;
  }

  namespace(): string {
    return this.#namespace;
  }

  get spinning(): boolean {
    return this.#spinning;
  }

  getLogger(): Record<LogLine['level'], (message: string) => boolean> {
    const log =
      (level: LogLine['level']) =>
      (message: string): boolean => {
        if (typeof message !== 'string') {
          throw new TypeValidationError(`Invalid argument: the log message must be a string, got ${typeof message}`);
        }
        this.#ctx.graph.logs.push({ node: this.#name, level, message });
        return true;
      };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), fatal: log('fatal') };
  }

  now(): { toMsg(): { sec: number; nanosec: number } } {
    const sim = this.#simTime;
    if (sim !== undefined) return { toMsg: () => ({ ...sim }) };
    const ns = BigInt(Date.now()) * 1_000_000n;
    return { toMsg: () => ({ sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) }) };
  }

  spin(): void {
    this.#assertAlive();
    if (this.#spinning) throw new Error('The node is already spinning.');
    this.#spinning = true;
    for (const timer of this.#timers) timer.start();
    this.#schedule();
  }

  stop(): void {
    this.#spinning = false;
    for (const timer of this.#timers) timer.stop();
    this.#cancelImmediate();
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.stop();
    for (const q of this.#queues) q.detach();
    this.#queues.length = 0;
    for (const detach of this.#publishers) detach();
    this.#publishers.length = 0;
    for (const timer of this.#timers) timer.stop();
    this.#timers.clear();
    this.#destroyed = true;
    this.#ctx.nodes.delete(this);
  }

  isDestroyed(): boolean {
    return this.#destroyed;
  }

  #assertAlive(): void {
    if (this.#destroyed) throw new Error(`node ${this.#name} is destroyed`);
  }

  #cancelImmediate(): void {
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
      this.#ctx.graph.trackHandle(-1);
    }
  }

  /** One message per macrotask, round-robin over subscriptions, only while spinning. */
  #schedule(): void {
    if (!this.#spinning || this.#immediate !== undefined) return;
    if (!this.#queues.some((q) => q.messages.length > 0)) return;
    this.#ctx.graph.trackHandle(1);
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      this.#ctx.graph.trackHandle(-1);
      if (!this.#spinning) return;
      for (let i = 0; i < this.#queues.length; i++) {
        const q = this.#queues[(this.#next + i) % this.#queues.length];
        const cdr = q?.messages.shift();
        if (q !== undefined && cdr !== undefined) {
          this.#next = (this.#next + i + 1) % this.#queues.length;
          q.deliver(cdr);
          break;
        }
      }
      this.#schedule();
    });
  }

  createTimer(period: bigint, callback: () => void): DoubleTimer {
    this.#assertAlive();
    if (typeof period !== 'bigint')
      throw new TypeValidationError(`period must be a bigint (nanoseconds), got ${typeof period}`);
    const graph = this.#ctx.graph;
    let canceled = false;
    const timer = {
      interval: undefined as NodeJS.Timeout | undefined,
      start: () => {
        if (canceled || timer.interval !== undefined) return;
        graph.trackHandle(1);
        timer.interval = setInterval(() => graph.invoke('timer', callback), Number(period / 1_000_000n));
      },
      stop: () => {
        if (timer.interval === undefined) return;
        clearInterval(timer.interval);
        timer.interval = undefined;
        graph.trackHandle(-1);
      },
    };
    this.#timers.add(timer);
    if (this.#spinning) timer.start();
    return {
      period,
      cancel: () => {
        canceled = true;
        timer.stop();
      },
      isCanceled: () => canceled,
    };
  }

  createSubscription(
    typeClass: string,
    topic: string,
    options: { qos?: unknown; isRaw?: boolean } | ((message: unknown) => void),
    callback?: (message: never, info?: unknown) => void,
  ): DoubleSubscription {
    this.#assertAlive();
    const opts = typeof options === 'function' ? {} : options;
    const cb = (typeof options === 'function' ? options : callback) as (message: unknown, info?: unknown) => void;
    const graph = this.#ctx.graph;
    graph.codec.definitions(typeClass); // MESSAGE_NOT_FOUND
    const resolved = this.#resolve(topic);
    const qos = resolveQos(opts.qos);
    const isRaw = opts.isRaw === true;
    const withInfo = cb.length >= 2 && !isRaw;
    const endpoint = { topic: resolved, type: typeClass, qos };
    const sub: DoubleSubscription = {
      topic: resolved,
      isRaw,
      get publisherCount() {
        return graph.matchCount(endpoint, 'sub');
      },
    };
    const queue = {
      sub,
      messages: [] as Uint8Array[],
      deliver: (cdr: Uint8Array) => {
        let message: unknown;
        if (isRaw) {
          // Napi::Buffer::Copy: a fresh Buffer with its own memory (never a pooled slice).
          const buffer = Buffer.alloc(cdr.byteLength);
          buffer.set(cdr);
          message = buffer;
        } else {
          message = freshArrays(graph.codec.decode(typeClass, cdr));
        }
        graph.invoke('subscription', () =>
          withInfo ? cb(message, { receivedTimestamp: BigInt(Date.now()) * 1_000_000n }) : cb(message),
        );
      },
      detach: () => undefined as unknown,
    };
    const detach = graph.addSubscription({
      ...endpoint,
      accept: (cdr) => {
        queue.messages.push(cdr);
        // KEEP_LAST: DDS keeps only the newest `depth` samples for a subscriber that has not taken them yet.
        if (qos.history !== History.keepAll)
          while (queue.messages.length > Math.max(1, qos.depth)) queue.messages.shift();
        this.#schedule();
      },
    });
    queue.detach = detach;
    this.#queues.push(queue);
    return sub;
  }

  createPublisher(
    typeClass: string,
    topic: string,
    options: { qos?: unknown } = {},
  ): {
    readonly topic: string;
    readonly subscriptionCount: number;
    publish(message: object): void;
  } {
    this.#assertAlive();
    const graph = this.#ctx.graph;
    graph.codec.definitions(typeClass); // MESSAGE_NOT_FOUND
    const endpoint: PubEndpoint = {
      topic: this.#resolve(topic),
      type: typeClass,
      qos: resolveQos(options.qos),
      latched: [],
    };
    this.#publishers.push(graph.addPublisher(endpoint));
    const strict = this.#ctx.strict;
    return {
      topic: endpoint.topic,
      get subscriptionCount() {
        return graph.matchCount(endpoint, 'pub');
      },
      publish: (message: object) => {
        if (this.#destroyed) throw new Error('publisher is destroyed');
        // Only a Node Buffer counts as serialized CDR; a bare Uint8Array is not.
        const cdr = Buffer.isBuffer(message)
          ? new Uint8Array(message)
          : graph.codec.encode(typeClass, graph.codec.normalize(typeClass, message, { strict }));
        graph.send(endpoint, cdr);
      },
    };
  }

  #resolve(topic: string): string {
    const expanded = expandName(topic, this.#name, this.#namespace);
    for (const rule of this.#ctx.args.remaps) {
      if (expandName(rule.from, this.#name, this.#namespace) === expanded)
        return expandName(rule.to, this.#name, this.#namespace);
    }
    return expanded;
  }

  declareParameter(parameter: Parameter, descriptor?: ParameterDescriptor, ignoreOverride = false): Parameter {
    this.#assertAlive();
    const override = ignoreOverride ? undefined : this.#overrides.get(parameter.name);
    const effective = override ?? parameter;
    // rclnodejs interpolates the Parameter object itself: "Parameter([object Object]) already declared."
    if (this.#parameters.has(effective.name)) throw new Error(`Parameter(${String(effective)}) already declared.`);
    // Without a descriptor rclnodejs derives one from the (possibly overridden) parameter: its type wins.
    const checked = descriptor ?? new ParameterDescriptor(effective.name, effective.type);
    const preSetList = this.#preSetResult([effective]);
    if (typeof preSetList === 'string') throw new Error(preSetList);
    const preSet = preSetList[0] ?? effective;
    const refusal = this.#refusal(preSet, checked, 'declare');
    if (refusal !== undefined) throw new Error(refusal);
    for (const cb of this.#onSet) {
      const result = cb([preSet]);
      if (!result.successful) throw new Error(result.reason);
    }
    this.#parameters.set(parameter.name, { parameter: preSet, descriptor: checked });
    return preSet;
  }

  /** The pre-set pipeline (before any check, on declare and set), or rclnodejs' refusal text. */
  #preSetResult(requested: Parameter[]): Parameter[] | string {
    let parameters = requested;
    for (const cb of this.#preSet) {
      const result: unknown = cb(parameters);
      if (!Array.isArray(result)) return 'pre-set parameters callback must return an array of Parameters';
      if (result.length === 0) return 'parameter list is empty after pre-set callback; set rejected';
      parameters = result as Parameter[];
    }
    return parameters;
  }

  /** rclnodejs' own checks before any on-set callback, with its texts (type and range failures read the same). */
  #refusal(
    parameter: Parameter,
    descriptor: ParameterDescriptor | undefined,
    mode: 'declare' | 'set',
  ): string | undefined {
    if (mode === 'set' && descriptor?.readOnly === true) return `Parameter ${parameter.name} is readonly`;
    try {
      // An undeclared name has a NOT_SET descriptor in rclnodejs, so it fails the type check too.
      (descriptor ?? new ParameterDescriptor(parameter.name, PT.notSet)).validateParameter(parameter);
    } catch {
      return `Parameter ${parameter.name} does not  readonly`;
    }
    return undefined;
  }

  getParameter(name: string): Parameter {
    return this.#parameters.get(name)?.parameter ?? new Parameter(name, PT.notSet, undefined);
  }

  hasParameter(name: string): boolean {
    return this.#parameters.has(name);
  }

  getParameterDescriptor(name: string): ParameterDescriptor | undefined {
    return this.#parameters.get(name)?.descriptor;
  }

  /** rclnodejs' `setParameter`: one parameter through `setParameters` (so a wrapper of that sees it too). */
  setParameter(parameter: Parameter): SetResult {
    return this.setParameters([parameter])[0] ?? { successful: false, reason: 'no result' };
  }

  /** What `ros2 param set` does through the parameter service: one atomic set per parameter, never throws. */
  setParameters(parameters: Parameter[]): SetResult[] {
    return parameters.map((parameter) => this.setParametersAtomically([parameter]));
  }

  /** [real-humble] rclnodejs 2.2 `_setParametersAtomically`: pre-set callbacks, its own checks and texts, then callbacks. */
  setParametersAtomically(requested: Parameter[]): SetResult {
    const parameters = this.#preSetResult(requested);
    if (typeof parameters === 'string') return { successful: false, reason: parameters };
    for (const parameter of parameters) {
      const refusal = this.#refusal(parameter, this.#parameters.get(parameter.name)?.descriptor, 'set');
      if (refusal !== undefined) return { successful: false, reason: refusal };
    }
    let result: SetResult = { successful: true, reason: '' };
    this.#ctx.graph.invoke('on-set-parameters', () => {
      for (const cb of this.#onSet) {
        const r = cb(parameters);
        if (!r.successful) {
          result = r;
          return;
        }
      }
    });
    if (!result.successful) return result;
    for (const parameter of parameters) {
      const entry = this.#parameters.get(parameter.name);
      if (entry !== undefined) entry.parameter = parameter;
      if (parameter.name === USE_SIM_TIME && parameter.type === PT.bool) this.#useSimTime(parameter.value === true);
    }
    this.#ctx.graph.invoke('post-set-parameters', () => {
      for (const cb of this.#postSet) cb(parameters);
    });
    return result;
  }

  addOnSetParametersCallback(callback: (parameters: Parameter[]) => SetResult): void {
    this.#onSet.push(callback);
  }

  /** Each callback gets the previous one's output; it may rewrite the request (e.g. coerce an INTEGER to a DOUBLE). */
  addPreSetParametersCallback(callback: (parameters: Parameter[]) => Parameter[]): void {
    this.#preSet.push(callback);
  }

  addPostSetParametersCallback(callback: (parameters: Parameter[]) => void): void {
    this.#postSet.push(callback);
  }
}

/** Gives each uint8[] field its own buffer, as a non-raw rclnodejs subscription does. */
function freshArrays(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(freshArrays);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, freshArrays(v)]));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Module

export interface RclDoubleOptions {
  /** The process argv the node sees (rcl parses what follows --ros-args). Default []. */
  readonly argv?: readonly string[];
  /** Whether vision_msgs is "installed" (its types known). Default true. */
  readonly visionMsgs?: boolean;
  /** Refuse unknown fields on publish (the real library drops them silently). Default true. */
  readonly strict?: boolean;
  /**
   * Receives each exception thrown in a callback instead of the default re-throw on process.nextTick (for a test
   * that observes the failure itself). Either way it is recorded in `graph.callbackErrors`.
   */
  readonly onCallbackError?: (error: unknown, what: string) => void;
}

export interface RclDouble {
  /** The module object the node receives (what `import rclnodejs from 'rclnodejs'` gives on a robot). */
  readonly rcl: {
    init(context?: unknown, argv?: string[]): Promise<void>;
    shutdown(): void;
    isShutdown(): boolean;
    removeSignalHandlers(): void;
    removeROSArgs(argv: string[]): string[];
    Node: new (name: string, namespace?: string) => DoubleNode;
    QoS: typeof QoS;
    Parameter: typeof Parameter;
    ParameterDescriptor: typeof ParameterDescriptor;
    FloatingPointRange: typeof FloatingPointRange;
    IntegerRange: typeof IntegerRange;
    ParameterType: typeof PT;
  };
  readonly graph: RosGraph;
  /** Nodes alive in the context. */
  readonly nodes: ReadonlySet<DoubleNode>;
  readonly signalHandlersRemoved: () => boolean;
}

export function createRclDouble(options: RclDoubleOptions = {}): RclDouble {
  const graph = new RosGraph({
    visionMsgs: options.visionMsgs ?? true,
    ...(options.onCallbackError !== undefined ? { onCallbackError: options.onCallbackError } : {}),
  });
  const ctx: DoubleContext = {
    graph,
    args: parseRosArgs(options.argv ?? []),
    strict: options.strict ?? true,
    initialized: false,
    nodes: new Set(),
  };
  let shutdown = false;
  let removed = false;
  class Node extends DoubleNode {
    constructor(name: string, namespace = '') {
      super(ctx, name, namespace);
    }
  }
  return {
    graph,
    nodes: ctx.nodes,
    signalHandlersRemoved: () => removed,
    rcl: {
      // rclnodejs: init(context = default, argv = process.argv); here the default argv is the double's.
      async init(_context?: unknown, argv?: string[]) {
        if (ctx.initialized) throw new Error('The context has already been initialized.');
        if (argv !== undefined) ctx.args = parseRosArgs(argv);
        await Promise.resolve();
        ctx.initialized = true;
        shutdown = false;
      },
      shutdown() {
        if (!ctx.initialized) return;
        for (const node of [...ctx.nodes]) node.destroy();
        ctx.initialized = false;
        shutdown = true;
      },
      isShutdown: () => shutdown,
      removeSignalHandlers() {
        removed = true;
      },
      removeROSArgs(argv: string[]) {
        const i = argv.indexOf('--ros-args');
        return i < 0 ? [...argv] : argv.slice(0, i);
      },
      Node,
      QoS,
      Parameter,
      ParameterDescriptor,
      FloatingPointRange,
      IntegerRange,
      ParameterType: PT,
    },
  };
}
