/**
 * Conformance scenarios run unchanged against the in-process double (test/ros/double) and against real rclnodejs
 * 2.2.0 in a child `node` process (rclnodejs.real.test.ts transpiles this file on its own): so this module imports
 * nothing at run time, and every observation is plain JSON (bigint as "7n", byte arrays as number lists), so that
 * both sides can be compared with the same recorded expectations (expectedObservations.ts).
 *
 * Each scenario initialises the context with its own argv and shuts it down again, as a process would.
 */

/** The surface of rclnodejs (and of the double) the scenarios touch; runtime shapes, not rclnodejs' .d.ts. */
export interface ConformanceParameter {
  readonly name: string;
  readonly type: number;
  readonly value: unknown;
}

interface ConformancePublisher {
  readonly subscriptionCount: number;
  publish: (message: object) => void;
}

/** Methods (bivariant parameters), so that the double's and rclnodejs' own Parameter classes fit. */
interface ConformanceNode {
  now(): { toMsg(): { sec: number; nanosec: number } };
  spin(): void;
  createTimer(periodNs: bigint, callback: () => void): unknown;
  createSubscription(
    type: string,
    topic: string,
    options: { qos?: unknown; isRaw?: boolean },
    callback: (message: never) => void,
  ): unknown;
  createPublisher(type: string, topic: string, options?: { qos?: unknown }): ConformancePublisher;
  declareParameter(parameter: ConformanceParameter, descriptor?: object): ConformanceParameter;
  getParameter(name: string): ConformanceParameter;
  setParameter(parameter: ConformanceParameter): { successful: boolean; reason: string | null };
  addOnSetParametersCallback(
    callback: (parameters: ConformanceParameter[]) => { successful: boolean; reason: string },
  ): void;
  addPreSetParametersCallback(callback: (parameters: ConformanceParameter[]) => ConformanceParameter[]): void;
}

/** `Range`: the library's own range class (opaque here), handed back to its ParameterDescriptor. */
export interface ConformanceRcl<Range extends object> {
  /** rclnodejs: `init(context = default, argv = process.argv)`; rcl parses what follows `--ros-args`. */
  init: (context?: undefined, argv?: string[]) => Promise<void>;
  shutdown: () => void;
  Node: new (name: string, namespace?: string) => ConformanceNode;
  QoS: { readonly profileSensorData: string; readonly profileDefault: string };
  Parameter: new (name: string, type: number, value?: unknown) => ConformanceParameter;
  ParameterDescriptor: new (
    name: string,
    type: number,
    description?: string,
    readOnly?: boolean,
    range?: Range,
  ) => object;
  FloatingPointRange: new (from: number, to: number, step: number) => Range;
  IntegerRange: new (from: bigint, to: bigint, step: bigint) => Range;
}

/** What the runner gives a scenario: a scratch folder for files (the scenario module has no fs of its own). */
export interface ScenarioContext {
  /** Writes `text` to a file in a fresh temporary folder and returns its absolute path. */
  writeFile: (name: string, text: string) => string;
  /**
   * How long to wait for deliveries after a publish: generous over real DDS on a busy 2-core machine (1500 ms),
   * short for the in-process double, whose deliveries are macrotasks.
   */
  settleMs: number;
}

export type Observation = { [key: string]: Json };
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Scenario = <Range extends object>(
  rcl: ConformanceRcl<Range>,
  context: ScenarioContext,
) => Promise<Observation>;

const T = { bool: 1, integer: 2, double: 3, string: 4 } as const;
const STRING_MSG = 'std_msgs/msg/String';
const IMAGE_MSG = 'sensor_msgs/msg/Image';
const CLOCK_MSG = 'rosgraph_msgs/msg/Clock';
/** Discovery on loopback takes a few hundred ms; a message published before the match is lost. */
const MATCH_TIMEOUT_MS = 5000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function untilMatched(publisher: ConformancePublisher, count: number): Promise<void> {
  const deadline = Date.now() + MATCH_TIMEOUT_MS;
  while (publisher.subscriptionCount < count && Date.now() < deadline) await sleep(20);
  // Matching is reported before the reader is ready on both sides; a short grace avoids a lost first sample.
  await sleep(200);
}

/** JSON form of a parameter value: bigint as "7n", other values as they are. */
function plain(value: unknown): Json {
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return value.map(plain);
  if (value === undefined) return null;
  return value as Json;
}

function describeParameter(p: ConformanceParameter): Observation {
  return { type: p.type, value: plain(p.value), valueType: typeof p.value };
}

function errorText(run: () => unknown): Json {
  try {
    run();
    return null;
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

async function withContext<R>(
  rcl: Pick<ConformanceRcl<object>, 'init' | 'shutdown'>,
  rosArgs: string[],
  body: () => Promise<R>,
): Promise<R> {
  await rcl.init(undefined, ['node', 'conformance', ...(rosArgs.length > 0 ? ['--ros-args', ...rosArgs] : [])]);
  try {
    return await body();
  } finally {
    rcl.shutdown();
  }
}

function image(data: Uint8Array): object {
  return {
    header: { stamp: { sec: 1, nanosec: 2 }, frame_id: 'conformance' },
    height: 1,
    width: data.length / 3,
    encoding: 'rgb8',
    is_bigendian: 0,
    step: data.length,
    data,
  };
}

/**
 * A RELIABLE subscription gets nothing from a BEST_EFFORT publisher and nothing tells the JS side; a best-effort
 * subscription gets the messages; a reliable publisher reaches both.
 */
const qosMismatch: Scenario = (rcl, context) =>
  withContext(rcl, [], async () => {
    const pubNode = new rcl.Node('conf_qos_pub');
    const subNode = new rcl.Node('conf_qos_sub');
    const received = { reliableFromBestEffort: 0, bestEffortFromBestEffort: 0, reliableFromReliable: 0 };
    const count = (key: keyof typeof received) => () => {
      received[key]++;
    };
    subNode.createSubscription(STRING_MSG, '/conf/best_effort', {}, count('reliableFromBestEffort'));
    subNode.createSubscription(
      STRING_MSG,
      '/conf/best_effort',
      { qos: rcl.QoS.profileSensorData },
      count('bestEffortFromBestEffort'),
    );
    subNode.createSubscription(STRING_MSG, '/conf/reliable', {}, count('reliableFromReliable'));
    subNode.spin();
    const bestEffort = pubNode.createPublisher(STRING_MSG, '/conf/best_effort', { qos: rcl.QoS.profileSensorData });
    const reliable = pubNode.createPublisher(STRING_MSG, '/conf/reliable');
    await untilMatched(bestEffort, 1);
    await untilMatched(reliable, 1);
    const matched = {
      bestEffortPublisher: bestEffort.subscriptionCount,
      reliablePublisher: reliable.subscriptionCount,
    };
    for (let i = 0; i < 5; i++) {
      bestEffort.publish({ data: `m${i}` });
      reliable.publish({ data: `m${i}` });
      await sleep(30);
    }
    await sleep(context.settleMs);
    return {
      subscriptionCount: matched,
      reliableFromBestEffort: received.reliableFromBestEffort,
      bestEffortFromBestEffortAll: received.bestEffortFromBestEffort === 5,
      reliableFromReliable: received.reliableFromReliable,
    };
  });

/** Only `/**` and the exact bare node name apply, the bare name also in a namespace; `/name`, `/ns/name` never. */
const paramsFileKeys: Scenario = (rcl, context) => {
  const file = context.writeFile(
    'keys.yaml',
    [
      '/**:',
      '  ros__parameters:',
      '    from_wildcard: 1',
      'conf_keys:',
      '  ros__parameters:',
      '    from_bare_name: 2',
      '/conf_keys:',
      '  ros__parameters:',
      '    from_slash_name: 3',
      '/ns/conf_keys:',
      '  ros__parameters:',
      '    from_full_name: 4',
      'other_node:',
      '  ros__parameters:',
      '    from_other_node: 5',
      '',
    ].join('\n'),
  );
  return withContext(rcl, ['--params-file', file], async () => {
    const observe = (node: ConformanceNode): Observation => {
      const values: Observation = {};
      for (const name of ['from_wildcard', 'from_bare_name', 'from_slash_name', 'from_full_name', 'from_other_node']) {
        values[name] = plain(node.declareParameter(new rcl.Parameter(name, T.integer, 0n)).value);
      }
      return values;
    };
    return {
      noNamespace: observe(new rcl.Node('conf_keys')),
      inNamespace: observe(new rcl.Node('conf_keys', 'ns')),
    };
  });
};

/** An integer array anywhere in the overrides makes `new Node()` throw, whichever node it was written for. */
const integerArrayOverride: Scenario = (rcl, context) => {
  const file = context.writeFile(
    'int_array.yaml',
    ['other_node:', '  ros__parameters:', '    input_size: [224, 224]', ''].join('\n'),
  );
  return withContext(rcl, ['--params-file', file], async () => ({
    constructor: errorText(() => new rcl.Node('conf_int_array')),
  }));
};

/** Integers are bigint everywhere; rcl carries them as doubles, so beyond 2^53 they lose precision. */
const bigintParameters: Scenario = (rcl) =>
  withContext(rcl, ['-p', 'overridden:=7', '-p', 'huge:=9007199254740993', '-p', 'ratio:=0.5'], async () => {
    const node = new rcl.Node('conf_bigint');
    return {
      fromNumberDefault: describeParameter(node.declareParameter(new rcl.Parameter('declared', T.integer, 5))),
      overridden: describeParameter(node.declareParameter(new rcl.Parameter('overridden', T.integer, 0n))),
      huge: describeParameter(node.declareParameter(new rcl.Parameter('huge', T.integer, 0n))),
      doubleOverride: describeParameter(node.declareParameter(new rcl.Parameter('ratio', T.double, 0.1))),
      numberValueRefused: errorText(() => new rcl.Parameter('bad', T.integer, 0.5)),
    };
  });

/** Declaration and set-time checks, and the reason strings users see in `ros2 param set`. */
const descriptorChecks: Scenario = (rcl, context) => {
  const file = context.writeFile(
    'descriptors.yaml',
    ['/**:', '  ros__parameters:', '    threshold: 1', '    loose_threshold: 1', ''].join('\n'),
  );
  return withContext(rcl, ['--params-file', file], async () => {
    const node = new rcl.Node('conf_descriptors');
    const doubleDescriptor = (name: string, readOnly = false, range?: typeof unitRange) =>
      new rcl.ParameterDescriptor(name, T.double, 'conformance', readOnly, range);
    const unitRange = new rcl.FloatingPointRange(0, 1, 0);

    const integerOverrideWithDescriptor = errorText(() =>
      node.declareParameter(new rcl.Parameter('threshold', T.double, 0.5), doubleDescriptor('threshold')),
    );
    const integerOverrideWithoutDescriptor = describeParameter(
      node.declareParameter(new rcl.Parameter('loose_threshold', T.double, 0.5)),
    );
    const outOfRangeDefault = errorText(() =>
      node.declareParameter(new rcl.Parameter('wide', T.double, 2.5), doubleDescriptor('wide', false, unitRange)),
    );
    const defaultStepRange = errorText(() =>
      node.declareParameter(
        new rcl.Parameter('stepped', T.double, 0.5),
        doubleDescriptor('stepped', false, new rcl.FloatingPointRange(0, 1, 1)),
      ),
    );

    node.declareParameter(new rcl.Parameter('score', T.double, 0.5), doubleDescriptor('score', false, unitRange));
    node.declareParameter(
      new rcl.Parameter('model', T.string, 'a'),
      new rcl.ParameterDescriptor('model', T.string, 'conformance', true),
    );
    node.declareParameter(
      new rcl.Parameter('top_k', T.integer, 5n),
      new rcl.ParameterDescriptor('top_k', T.integer, 'conformance', false, new rcl.IntegerRange(1n, 10n, 1n)),
    );
    const declaredTwice = errorText(() => node.declareParameter(new rcl.Parameter('score', T.double, 0.5)));

    const seenByCallback: string[] = [];
    node.addOnSetParametersCallback((parameters) => {
      for (const p of parameters) seenByCallback.push(`${p.name}=${String(plain(p.value))}`);
      const vetoed = parameters.find((p) => p.name === 'top_k' && p.value === 7n);
      return vetoed === undefined
        ? { successful: true, reason: '' }
        : { successful: false, reason: 'top_k: 7 is vetoed by the node' };
    });
    const set = (name: string, type: number, value: unknown): Observation => {
      const result = node.setParameter(new rcl.Parameter(name, type, value));
      return { successful: result.successful, reason: result.reason };
    };
    const results = {
      readOnly: set('model', T.string, 'b'),
      outOfRange: set('score', T.double, 1.5),
      wrongType: set('score', T.integer, 1n),
      integerOutOfRange: set('top_k', T.integer, 0n),
      undeclared: set('nobody', T.integer, 1n),
      vetoedByCallback: set('top_k', T.integer, 7n),
      accepted: set('top_k', T.integer, 3n),
    };
    return {
      integerOverrideWithDescriptor,
      integerOverrideWithoutDescriptor,
      outOfRangeDefault,
      defaultStepRange,
      declaredTwice,
      set: results,
      // Which set requests reached the on-set callback (the others were refused before it).
      seenByCallback,
      afterSets: {
        model: plain(node.getParameter('model').value),
        score: plain(node.getParameter('score').value),
        top_k: plain(node.getParameter('top_k').value),
      },
    };
  });
};

/**
 * Pre-set callbacks run before rclnodejs' own checks, on declare and on set: the only place where a node can turn
 * `ros2 param set score 1` (an INTEGER) into the DOUBLE it declared; returning [] refuses with a fixed text.
 */
const preSetCallbacks: Scenario = (rcl) =>
  withContext(rcl, [], async () => {
    const node = new rcl.Node('conf_pre_set');
    const seen: string[] = [];
    node.addPreSetParametersCallback((parameters) => {
      seen.push(parameters.map((p) => `${p.name}:${p.type}`).join(','));
      if (parameters.some((p) => p.name === 'frozen')) return [];
      return parameters.map((p) =>
        p.name === 'score' && p.type === T.integer ? new rcl.Parameter('score', T.double, Number(p.value)) : p,
      );
    });
    const declaredFromInteger = describeParameter(
      node.declareParameter(
        new rcl.Parameter('score', T.integer, 1n),
        new rcl.ParameterDescriptor('score', T.double, 'conformance', false, new rcl.FloatingPointRange(0, 1, 0)),
      ),
    );
    const frozenDeclare = errorText(() => node.declareParameter(new rcl.Parameter('frozen', T.bool, true)));
    const integerForDouble = node.setParameter(new rcl.Parameter('score', T.integer, 0n));
    const integerOutOfRange = node.setParameter(new rcl.Parameter('score', T.integer, 2n));
    return {
      declaredFromInteger,
      frozenDeclare,
      integerForDouble: { successful: integerForDouble.successful, reason: integerForDouble.reason },
      afterIntegerForDouble: describeParameter(node.getParameter('score')),
      integerOutOfRange: { successful: integerOutOfRange.successful, reason: integerOutOfRange.reason },
      seen,
    };
  });

/**
 * Received `data` is a plain zero-offset Uint8Array; publishing a subarray view sends the first bytes of its
 * backing buffer; a raw subscription gets a Node Buffer.
 */
const imageBytes: Scenario = (rcl, context) =>
  withContext(rcl, [], async () => {
    const pubNode = new rcl.Node('conf_bytes_pub');
    const subNode = new rcl.Node('conf_bytes_sub');
    const received: Observation[] = [];
    const raw: Observation[] = [];
    subNode.createSubscription(IMAGE_MSG, '/conf/bytes', {}, (message: { data: Uint8Array }) => {
      const data = message.data;
      received.push({
        constructor: data.constructor.name,
        isBuffer: Buffer.isBuffer(data),
        byteOffset: data.byteOffset,
        ownsBuffer: data.buffer.byteLength === data.byteLength,
        bytes: Array.from(data),
      });
    });
    subNode.createSubscription(IMAGE_MSG, '/conf/bytes', { isRaw: true }, (message: Uint8Array) => {
      raw.push({ isBuffer: Buffer.isBuffer(message), cdrHeader: Array.from(message.subarray(0, 4)) });
    });
    subNode.spin();
    const publisher = pubNode.createPublisher(IMAGE_MSG, '/conf/bytes');
    await untilMatched(publisher, 2);
    const backing = new Uint8Array(256).map((_, i) => i);
    publisher.publish(image(backing.subarray(100, 106)));
    await sleep(100);
    publisher.publish(image(new Uint8Array(backing.subarray(100, 106))));
    await sleep(context.settleMs);
    return { subarrayView: received[0] ?? null, freshCopy: received[1] ?? null, raw: raw[0] ?? null };
  });

/**
 * With use_sim_time the node's clock is /clock's last value (zero before the first), fed by a RELIABLE
 * subscription: a best-effort /clock publisher (what `ros2 bag play --clock` has) never reaches it.
 */
const simTime: Scenario = (rcl, context) => {
  const file = context.writeFile(
    'sim.yaml',
    ['conf_sim:', '  ros__parameters:', '    use_sim_time: true', ''].join('\n'),
  );
  return withContext(rcl, ['--params-file', file], async () => {
    const simNode = new rcl.Node('conf_sim');
    const wallNode = new rcl.Node('conf_wall');
    const clockNode = new rcl.Node('conf_clock');
    simNode.spin();
    const beforeClock = simNode.now().toMsg();
    const reliableClock = clockNode.createPublisher(CLOCK_MSG, '/clock');
    await untilMatched(reliableClock, 1);
    reliableClock.publish({ clock: { sec: 1234, nanosec: 5678 } });
    await sleep(context.settleMs);
    const afterReliableClock = simNode.now().toMsg();
    const bestEffortClock = clockNode.createPublisher(CLOCK_MSG, '/clock', { qos: rcl.QoS.profileSensorData });
    await sleep(500);
    const bestEffortMatched = bestEffortClock.subscriptionCount;
    bestEffortClock.publish({ clock: { sec: 999, nanosec: 1 } });
    await sleep(context.settleMs);
    const wall = wallNode.now().toMsg();
    return {
      useSimTime: describeParameter(simNode.getParameter('use_sim_time')),
      wallNodeUseSimTime: describeParameter(wallNode.getParameter('use_sim_time')),
      declareUseSimTimeAgain: errorText(() =>
        wallNode.declareParameter(new rcl.Parameter('use_sim_time', T.bool, false)),
      ),
      beforeClock,
      afterReliableClock,
      bestEffortMatched,
      afterBestEffortClock: simNode.now().toMsg(),
      wallNodeFollowsWallClock: Math.abs(wall.sec - Date.now() / 1000) < 5,
    };
  });
};

/**
 * A throw inside a subscription or timer callback. The real library aborts the process (SIGABRT, exit 134), so the
 * runner runs these each in its own process and reports how it ended; a scenario that returns survived it.
 */
const subscriptionThrows: Scenario = (rcl, context) =>
  withContext(rcl, [], async () => {
    const node = new rcl.Node('conf_throw_sub');
    node.createSubscription(STRING_MSG, '/conf/throw', {}, () => {
      throw new Error('boom in subscription');
    });
    node.spin();
    const publisher = node.createPublisher(STRING_MSG, '/conf/throw');
    await untilMatched(publisher, 1);
    publisher.publish({ data: 'x' });
    await sleep(context.settleMs);
    return { survived: true };
  });

const timerThrows: Scenario = (rcl, context) =>
  withContext(rcl, [], async () => {
    const node = new rcl.Node('conf_throw_timer');
    node.createTimer(50_000_000n, () => {
      throw new Error('boom in timer');
    });
    node.spin();
    await sleep(context.settleMs);
    return { survived: true };
  });

export const scenarios: Record<string, Scenario> = {
  qosMismatch,
  paramsFileKeys,
  integerArrayOverride,
  bigintParameters,
  descriptorChecks,
  preSetCallbacks,
  imageBytes,
  simTime,
};

/** Scenarios after which the real process is expected to be dead: each runs alone. */
export const fatalScenarios: Record<string, Scenario> = { subscriptionThrows, timerThrows };

/** How a fatal scenario's process (or the double) ended, in the form both sides report. */
export interface FatalOutcome {
  /** Whether the process died (real) or the double reported the exception loudly (double). */
  fatal: boolean;
  /** The thrown message as reported (stderr `what():` line for the real library). */
  message: string | null;
}
