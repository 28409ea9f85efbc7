/**
 * The edgenext ROS 2 node: camera topics -> pipeline -> classification topics, diagnostics and a latched model card.
 * rclnodejs, the classifier and the pipeline are injected (see ports.ts), so the same class runs on a robot and
 * against the test double.
 */
import { Subject, type Subscription as RxSubscription } from 'rxjs';
import type { Classification } from '../core/classification';
import { EdgenextError, errorMessage, isEdgenextError } from '../core/errors';
import type { ResizePolicy } from '../core/preprocessing';
import {
  encodeMessage,
  toEdgenextClassificationMsg,
  toLabelInfoMsg,
  toVisionClassificationMsg,
  type RosTime,
} from '../messages';
import type { ClassificationPipeline, Frame, PipelineOptions, PipelineStatsSnapshot } from '../pipeline';
import { buildDiagnostics } from './diagnostics';
import {
  applyParameterChanges,
  declareNodeParameters,
  validateParameterChanges,
  type NodeSettings,
} from './parameters';
import type { CreatePipeline, DecodeImageMessage, NodeClassifier, OpenClassifier } from './ports';
import { gateParameterSets } from './parameterGate';
import { ParameterTypes, QosNumbers, type Rcl, type RclNode, type RclPublisher } from './rcl';
import { RateLimitedLog } from '../core/rateLimitedLog';
import { ScoreSmoother } from './ScoreSmoother';
import { SimClock } from './simClock';
import { AnnotatedPublisher, ANNOTATED_TOPIC, ANNOTATED_TYPE, subscriberCount } from './annotatedPublisher';

export const IMAGE_TYPE = 'sensor_msgs/msg/Image';
export const COMPRESSED_IMAGE_TYPE = 'sensor_msgs/msg/CompressedImage';

/** Output topics, relative to the node (`~/`) so namespace and node name apply; /diagnostics is absolute by convention. */
export const OUTPUT_TOPICS = {
  classification: '~/classification',
  smoothed: '~/classification/smoothed',
  visionClassification: '~/vision/classification',
  labelInfo: '~/vision/label_info',
  modelCard: '~/model_card',
  diagnostics: '/diagnostics',
  clock: '/clock',
} as const;

export const OUTPUT_TYPES = {
  classification: 'edgenext/msg/Classification',
  visionClassification: 'vision_msgs/msg/Classification',
  labelInfo: 'vision_msgs/msg/LabelInfo',
  modelCard: 'std_msgs/msg/String',
  diagnostics: 'diagnostic_msgs/msg/DiagnosticArray',
} as const;

/** image_transport names compressed streams `<base>/compressed`; the last name segment picks the message type. */
export function imageTypeForTopic(topic: string): typeof IMAGE_TYPE | typeof COMPRESSED_IMAGE_TYPE {
  const last = topic
    .split('/')
    .filter((part) => part !== '')
    .pop();
  return last === 'compressed' ? COMPRESSED_IMAGE_TYPE : IMAGE_TYPE;
}

export interface ClassifierNodeDeps {
  readonly rcl: Rcl;
  readonly openClassifier: OpenClassifier;
  readonly createPipeline: CreatePipeline;
  readonly decodeImageMessage: DecodeImageMessage;
  /**
   * Wall-clock milliseconds (Date.now by default): the pipeline's clock for receive times and durations, and the
   * stamp domain for frame ages when sim time is off (ROS time is system time then). Under use_sim_time, ages from
   * header stamps use the node's /clock copy instead.
   */
  readonly clock?: () => number;
}

export interface ClassifierNodeOptions {
  /** Default 'classifier' (launch renames it with -r __node:=...). */
  readonly nodeName?: string;
  /** Default '' (launch sets it with -r __ns:=...). */
  readonly namespace?: string;
  /** How long stop() lets in-flight inferences finish before cancelling them. Default 1500 ms. */
  readonly drainTimeoutMs?: number;
}

interface CameraInput {
  readonly topic: string;
  readonly type: string;
  readonly frames: Subject<Frame>;
}

export function pipelineOptionsFrom(settings: NodeSettings): Partial<PipelineOptions> {
  return {
    queuePolicy: settings.queuePolicy,
    queueDepth: settings.queueDepth,
    maxAgeMs: settings.maxAgeMs,
    ageReference: settings.ageReference,
    maxBatch: settings.maxBatch,
    maxWaitMs: settings.maxWaitMs,
    maxInflight: settings.maxInflight,
    topK: settings.topK,
    scoreThreshold: settings.scoreThreshold,
  };
}

/** One line per problem, then at most one summary per window: rclnodejs captures a stack trace per log call. */
const LOG_WINDOW_MS = 10_000;

const PIPELINE_KEYS: ReadonlySet<keyof NodeSettings> = new Set<keyof NodeSettings>([
  'queuePolicy',
  'queueDepth',
  'maxAgeMs',
  'ageReference',
  'maxBatch',
  'maxWaitMs',
  'topK',
  'scoreThreshold',
]);

export class ClassifierNode {
  readonly #rcl: Rcl;
  readonly #node: RclNode;
  readonly #deps: ClassifierNodeDeps;
  readonly #options: ClassifierNodeOptions;
  readonly #clock: () => number;
  readonly #log: RateLimitedLog;
  #settings: NodeSettings;
  #classifier: NodeClassifier | undefined;
  #pipeline: ClassificationPipeline | undefined;
  #resultsSubscription: RxSubscription | undefined;
  readonly #inputs: CameraInput[] = [];
  readonly #publishers = new Map<keyof typeof OUTPUT_TOPICS, RclPublisher>();
  /** A steady Node.js timer: diagnostics must keep coming when sim time pauses or never starts. */
  #diagnosticsTimer: ReturnType<typeof setInterval> | undefined;
  /** Present under use_sim_time. */
  #simClock: SimClock | undefined;
  #previousStats: PipelineStatsSnapshot | undefined;
  #previousRejections: Map<string, number> | undefined;
  readonly #rejections = new Map<string, number>();
  readonly #smoother: ScoreSmoother;
  #publishErrors = 0;
  #callbackErrors = 0;
  #stopping: Promise<void> | undefined;
  #annotated: AnnotatedPublisher | undefined;

  private constructor(
    rcl: Rcl,
    node: RclNode,
    settings: NodeSettings,
    deps: ClassifierNodeDeps,
    options: ClassifierNodeOptions,
  ) {
    this.#rcl = rcl;
    this.#node = node;
    this.#settings = settings;
    this.#deps = deps;
    this.#options = options;
    this.#clock = deps.clock ?? Date.now;
    const logger = node.getLogger();
    this.#log = new RateLimitedLog((line) => logger.warn(line), LOG_WINDOW_MS);
    this.#smoother = new ScoreSmoother(settings.smoothingAlpha);
  }

  /**
   * Initialises rclnodejs, declares the parameters, loads the model (including one warm-up inference), creates the
   * publishers and the pipeline, and only then subscribes to the cameras. On failure everything created so far is
   * released and the error (an EdgenextError with a one-line message) is rethrown.
   */
  static async start(deps: ClassifierNodeDeps, options: ClassifierNodeOptions = {}): Promise<ClassifierNode> {
    const { rcl } = deps;
    // rclnodejs' SIGINT listener only calls shutdownAll() and leaves the process running (§1.3): we own signals.
    rcl.removeSignalHandlers();
    await rcl.init();
    let node: RclNode | undefined;
    let instance: ClassifierNode | undefined;
    try {
      node = new rcl.Node(options.nodeName ?? 'classifier', options.namespace ?? '');
      const settings = declareNodeParameters(rcl, node);
      const created = new ClassifierNode(rcl, node, settings, deps, options);
      instance = created;
      gateParameterSets(node, (parameters) => created.#onSetParameters(parameters));
      node.addOnSetParametersCallback((parameters) => created.#onSetParameters(parameters));
      node.addPostSetParametersCallback((parameters) => created.#onParametersSet(parameters));
      created.#followSimTime();
      // Spin now so `ros2 param get` answers while the model loads; the cameras are subscribed only once it is warm.
      node.spin();
      await instance.#open();
      return instance;
    } catch (error) {
      if (instance !== undefined) await instance.stop();
      else {
        try {
          node?.destroy();
        } finally {
          rcl.shutdown();
        }
      }
      throw error;
    }
  }

  /** The current parameter values (after runtime changes). */
  get settings(): NodeSettings {
    return this.#settings;
  }

  /** Resolved camera topics in `image_topics` order. */
  get cameraTopics(): readonly string[] {
    return this.#inputs.map((input) => input.topic);
  }

  /** Pipeline statistics (undefined before the model is loaded). */
  stats(): PipelineStatsSnapshot | undefined {
    return this.#pipeline?.stats();
  }

  /** publish() calls that threw (counted and logged, never propagated). */
  get publishErrors(): number {
    return this.#publishErrors;
  }

  /** Messages per camera topic that did not decode (counted before the pipeline, which never saw them). */
  get decodeRejections(): ReadonlyMap<string, number> {
    return new Map(this.#rejections);
  }

  /** Errors caught inside rclnodejs callbacks and RxJS handlers (a throw there would abort the process). */
  get callbackErrors(): number {
    return this.#callbackErrors;
  }

  async #open(): Promise<void> {
    const s = this.#settings;
    const logger = this.#node.getLogger();
    logger.info(`loading model '${s.model || 'default'}' on backend ${s.backend}`);
    const classifier = await this.#deps.openClassifier({
      ...(s.model !== '' ? { model: s.model } : {}),
      backend: s.backend,
      ...(s.bpuLibrary !== '' ? { bpuLibraryPath: s.bpuLibrary } : {}),
      ...(s.onnxThreads > 0 ? { threads: s.onnxThreads } : {}),
      maxInflight: s.maxInflight,
      bpuPriority: s.bpuPriority,
      bpuCoreMask: s.bpuCoreMask,
      bpuTaskTimeoutMs: s.bpuTaskTimeoutMs,
      ...(s.resize !== '' ? { resize: s.resize as ResizePolicy } : {}),
    });
    this.#classifier = classifier;
    const card = classifier.card;
    logger.info(
      `model ${card.modelName} (${card.backend}, ${card.inputWidth}x${card.inputHeight} ${card.inputFormat}) ready: ` +
        `warm-up ${card.warmupLatencyMs.toFixed(1)} ms${card.labelsMeaningful ? '' : `, ${card.labelsNote ?? ''}: labels are not meaningful`}`,
    );

    this.#createPublishers();
    this.#publishModelCard();
    this.#publishLabelInfo();

    const pipeline = this.#deps.createPipeline(pipelineOptionsFrom(s), {
      backend: classifier.backend,
      preprocess: (image) => classifier.preprocess(image),
      postprocess: (logits, topK) => classifier.postprocess(logits, topK),
      clock: this.#clock,
      ageClock: () => this.#rosNowMs(),
      // Silent once stopping: the stop summary line counts what the suppressed warnings would repeat.
      logger: { warn: (line: string) => this.#stopping === undefined && this.#safeLog('warn', line) },
    });
    this.#pipeline = pipeline;
    this.#resultsSubscription = pipeline.results.subscribe({
      next: (result) => this.#publishResult(result),
      error: (error: unknown) => this.#safeLog('error', `pipeline failed: ${errorMessage(error)}`),
    });

    const reliability =
      s.qosReliability === 'reliable' ? QosNumbers.reliabilityReliable : QosNumbers.reliabilityBestEffort;
    for (const name of s.imageTopics) {
      const type = imageTypeForTopic(name);
      const qos = new this.#rcl.QoS(QosNumbers.historyKeepLast, s.qosDepth, reliability, QosNumbers.durabilityVolatile);
      const frames = new Subject<Frame>();
      let topic = name;
      const subscription = this.#node.createSubscription(type, name, { qos, isRaw: true }, (message: Buffer) =>
        this.#onImage(topic, type, frames, message),
      );
      topic = subscription.topic;
      this.#inputs.push({ topic, type, frames });
      pipeline.addSource(topic, frames.asObservable());
      logger.info(`subscribed to ${topic} (${type}, ${s.qosReliability}, depth ${s.qosDepth})`);
    }
    this.#startDiagnosticsTimer();
  }

  #createPublishers(): void {
    const node = this.#node;
    const latched = new this.#rcl.QoS(
      QosNumbers.historyKeepLast,
      1,
      QosNumbers.reliabilityReliable,
      QosNumbers.durabilityTransientLocal,
    );
    const reliable = this.#rcl.QoS.profileDefault;
    this.#publishers.set(
      'classification',
      node.createPublisher(OUTPUT_TYPES.classification, OUTPUT_TOPICS.classification, { qos: reliable }),
    );
    if (this.#settings.smoothingAlpha > 0) this.#advertiseSmoothed();
    this.#publishers.set(
      'modelCard',
      node.createPublisher(OUTPUT_TYPES.modelCard, OUTPUT_TOPICS.modelCard, { qos: latched }),
    );
    this.#publishers.set(
      'diagnostics',
      node.createPublisher(OUTPUT_TYPES.diagnostics, OUTPUT_TOPICS.diagnostics, { qos: reliable }),
    );
    this.#annotated = new AnnotatedPublisher({
      publisher: node.createPublisher(ANNOTATED_TYPE, ANNOTATED_TOPIC, { qos: reliable }),
      settings: () => this.#settings,
      card: () => this.#classifier?.card,
      clock: this.#clock,
      onFailure: (line) => this.#log.report('annotated', line, this.#clock()),
    });
    try {
      this.#publishers.set(
        'visionClassification',
        node.createPublisher(OUTPUT_TYPES.visionClassification, OUTPUT_TOPICS.visionClassification, { qos: reliable }),
      );
      this.#publishers.set(
        'labelInfo',
        node.createPublisher(OUTPUT_TYPES.labelInfo, OUTPUT_TOPICS.labelInfo, { qos: latched }),
      );
    } catch (error) {
      // vision_msgs is not in ros-base: without it the node still serves its own topics (MESSAGE_NOT_FOUND).
      this.#publishers.delete('visionClassification');
      node
        .getLogger()
        .warn(
          `vision_msgs is not available (${errorMessage(error)}): ~/vision/classification and ~/vision/label_info ` +
            `are not published; install ros-${process.env.ROS_DISTRO ?? 'humble'}-vision-msgs and regenerate messages to get them`,
        );
    }
  }

  /** Created only while smoothing is on, so `ros2 topic list` does not show a topic that never publishes. */
  #advertiseSmoothed(): void {
    if (this.#publishers.has('smoothed')) return;
    this.#publishers.set(
      'smoothed',
      this.#node.createPublisher(OUTPUT_TYPES.classification, OUTPUT_TOPICS.smoothed, {
        qos: this.#rcl.QoS.profileDefault,
      }),
    );
  }

  /** Subscribes to /clock best effort when use_sim_time is set (see simClock.ts for why not rclnodejs' own). */
  #followSimTime(): void {
    const useSimTime = this.#node.getParameter('use_sim_time');
    if (useSimTime.type !== ParameterTypes.bool || useSimTime.value !== true) return;
    const simClock = new SimClock();
    this.#simClock = simClock;
    const qos = new this.#rcl.QoS(
      QosNumbers.historyKeepLast,
      1,
      QosNumbers.reliabilityBestEffort,
      QosNumbers.durabilityVolatile,
    );
    this.#node.createSubscription('rosgraph_msgs/msg/Clock', OUTPUT_TOPICS.clock, { qos, isRaw: true }, (message) => {
      try {
        simClock.update(message);
      } catch (error) {
        this.#callbackErrors++;
        this.#log.report('clock', `ignored a /clock message: ${errorMessage(error)}`, this.#clock());
      }
    });
    this.#node.getLogger().info('use_sim_time: following /clock (best effort); frame ages are measured in sim time');
  }

  /** Now in the stamp domain: sim time under use_sim_time, else the system clock. */
  #rosNowMs(): number {
    return this.#simClock !== undefined ? this.#simClock.nowMs() : this.#clock();
  }

  #now(): RosTime {
    if (this.#simClock !== undefined) {
      const ns = this.#simClock.nowNs();
      return { sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) };
    }
    const t = this.#node.now().toMsg();
    return { sec: t.sec, nanosec: t.nanosec };
  }

  #publish(key: keyof typeof OUTPUT_TOPICS, message: object): void {
    const publisher = this.#publishers.get(key);
    if (publisher === undefined) return;
    try {
      publisher.publish(message);
    } catch (error) {
      this.#publishErrors++;
      this.#log.report(
        `publish:${key}`,
        `publishing on ${publisher.topic} failed: ${errorMessage(error)}`,
        this.#clock(),
      );
    }
  }

  #publishModelCard(): void {
    const card = this.#classifier?.card;
    if (card === undefined) return;
    const json = JSON.stringify({ ...card, labelCount: this.#classifier?.labels.length ?? 0 });
    this.#publish('modelCard', { data: json });
  }

  #publishLabelInfo(): void {
    const labels = this.#classifier?.labels;
    if (labels === undefined) return;
    const stamp = this.#now();
    this.#publish('labelInfo', toLabelInfoMsg(labels, { stamp, frameId: '' }, this.#settings.scoreThreshold));
  }

  /** The raw subscription callback: never throws (a throw here aborts the process on real rclnodejs). */
  #onImage(topic: string, type: string, frames: Subject<Frame>, message: Buffer): void {
    try {
      if (this.#stopping !== undefined) return;
      let decoded: ReturnType<DecodeImageMessage>;
      try {
        decoded = this.#deps.decodeImageMessage(type, message);
      } catch (error) {
        this.#rejections.set(topic, (this.#rejections.get(topic) ?? 0) + 1);
        this.#log.report(`decode:${topic}`, `dropped a ${type} on ${topic}: ${errorMessage(error)}`, this.#clock());
        return;
      }
      this.#annotated?.rememberFrame(topic, decoded.header, decoded.image);
      // Receive times are in the pipeline's `clock` domain (how long a frame waited here), even under sim time.
      frames.next({ source: topic, header: decoded.header, receiveTimeMs: this.#clock(), image: decoded.image });
    } catch (error) {
      this.#callbackErrors++;
      this.#safeLog('error', `image callback on ${topic} failed: ${errorMessage(error)}`);
    }
  }

  #publishResult(result: Classification): void {
    try {
      const card = this.#classifier?.card;
      const producer = { modelName: card?.modelName ?? '', backend: card?.backend ?? '' };
      this.#publish(
        'classification',
        serialized(OUTPUT_TYPES.classification, toEdgenextClassificationMsg(result, producer)),
      );
      // The vision_msgs copy is encoded only for a listener: a frame's result costs the node half as much without one.
      const vision = this.#publishers.get('visionClassification');
      if (vision !== undefined && subscriberCount(vision) > 0) {
        this.#publish(
          'visionClassification',
          serialized(OUTPUT_TYPES.visionClassification, toVisionClassificationMsg(result)),
        );
      }
      if (this.#settings.smoothingAlpha > 0) {
        const topK = this.#smoother.update(result.source, result.topK, this.#settings.topK);
        const best = topK[0]?.score ?? 0;
        const smoothed: Classification = { ...result, topK, unknown: best < this.#settings.scoreThreshold };
        this.#publish(
          'smoothed',
          serialized(OUTPUT_TYPES.classification, toEdgenextClassificationMsg(smoothed, producer)),
        );
      }
      this.#annotated?.offer(result);
    } catch (error) {
      this.#callbackErrors++;
      this.#safeLog('error', `publishing a result from ${result.source} failed: ${errorMessage(error)}`);
    }
  }

  #startDiagnosticsTimer(): void {
    clearInterval(this.#diagnosticsTimer);
    // Not an rclnodejs timer: those run on the node's ROS clock, which stands still under sim time between bags.
    this.#diagnosticsTimer = setInterval(() => this.#publishDiagnostics(), this.#settings.diagnosticsPeriodS * 1000);
  }

  #publishDiagnostics(): void {
    try {
      const pipeline = this.#pipeline;
      const card = this.#classifier?.card;
      if (pipeline === undefined || card === undefined || this.#stopping !== undefined) return;
      const current = pipeline.stats();
      const rejections = new Map(this.#rejections);
      const diagnostics = buildDiagnostics({
        nodeName: this.#node.name(),
        stamp: this.#now(),
        modelName: card.modelName,
        backendKind: card.backend,
        current,
        ...(this.#previousStats !== undefined ? { previous: this.#previousStats } : {}),
        rejections,
        ...(this.#previousRejections !== undefined ? { previousRejections: this.#previousRejections } : {}),
        dropWarnRatio: this.#settings.dropWarnRatio,
      });
      if (this.#annotated !== undefined) diagnostics.status.push(this.#annotated.diagnosticStatus(this.#node.name()));
      this.#publish('diagnostics', diagnostics);
      this.#previousStats = current;
      this.#previousRejections = rejections;
    } catch (error) {
      this.#callbackErrors++;
      this.#safeLog('error', `diagnostics failed: ${errorMessage(error)}`);
    }
  }

  /** Validation only (rclnodejs calls it for every `ros2 param set`); must not throw. */
  #onSetParameters(parameters: Parameters<typeof validateParameterChanges>[0]): {
    successful: boolean;
    reason: string;
  } {
    try {
      return validateParameterChanges(parameters);
    } catch (error) {
      this.#callbackErrors++;
      return { successful: false, reason: `internal error while validating: ${errorMessage(error)}` };
    }
  }

  /** Applies accepted changes live; must not throw. */
  #onParametersSet(parameters: Parameters<typeof applyParameterChanges>[1]): void {
    try {
      const { settings, changed } = applyParameterChanges(this.#settings, parameters);
      this.#settings = settings;
      if ([...changed].some((key) => PIPELINE_KEYS.has(key)))
        this.#pipeline?.updateOptions(pipelineOptionsFrom(settings));
      if (changed.has('scoreThreshold')) this.#publishLabelInfo();
      if (changed.has('smoothingAlpha')) {
        this.#smoother.setAlpha(settings.smoothingAlpha);
        if (settings.smoothingAlpha > 0) this.#advertiseSmoothed();
      }
      if (changed.has('diagnosticsPeriodS') && this.#diagnosticsTimer !== undefined) this.#startDiagnosticsTimer();
      if (changed.size > 0) this.#node.getLogger().info(`parameters changed: ${[...changed].join(', ')}`);
    } catch (error) {
      this.#callbackErrors++;
      this.#safeLog('error', `applying parameters failed: ${errorMessage(error)}`);
    }
  }

  /** One line with what the run did, instead of the rate-limited warnings that are silenced once stopping. */
  #logStopSummary(): void {
    const stats = this.#pipeline?.stats();
    if (stats === undefined) return;
    let received = 0;
    let published = 0;
    const dropped = new Map<string, number>();
    for (const source of stats.sources) {
      received += source.received;
      published += source.published;
      for (const [cause, count] of Object.entries(source.dropped)) {
        if (count > 0) dropped.set(cause, (dropped.get(cause) ?? 0) + count);
      }
    }
    const rejected = [...this.#rejections.values()].reduce((a, b) => a + b, 0);
    if (rejected > 0) dropped.set('malformed (undecodable message)', rejected);
    const drops = [...dropped].map(([cause, count]) => `${cause} ${count}`).join(', ');
    this.#safeLog(
      'info',
      `stopped: ${received} frames received, ${published} results published, dropped: ${drops === '' ? 'none' : drops}`,
    );
  }

  #safeLog(level: 'warn' | 'error' | 'info', line: string): void {
    try {
      this.#node.getLogger()[level](line);
    } catch {
      // The logger is gone once the node is destroyed; nothing else can report it.
    }
  }

  /**
   * Stops the node: no new frames, the pipeline drains in-flight work (bounded by drainTimeoutMs) and its last results
   * are published, then the backend is released, the node destroyed and rclnodejs shut down. Idempotent; never
   * rejects (each step's failure is logged and the next step still runs).
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const step = async (what: string, action: () => unknown): Promise<void> => {
      try {
        await action();
      } catch (error) {
        this.#safeLog(
          'error',
          `shutdown: ${what} failed: ${isEdgenextError(error) ? error.message : errorMessage(error)}`,
        );
      }
    };
    await step('cancelling the diagnostics timer', () => clearInterval(this.#diagnosticsTimer));
    await step('completing the camera streams', () => this.#inputs.forEach((input) => input.frames.complete()));
    await step('draining the pipeline', () =>
      this.#pipeline?.shutdown({ timeoutMs: this.#options.drainTimeoutMs ?? 1500 }),
    );
    await step('unsubscribing from results', () => this.#resultsSubscription?.unsubscribe());
    await step('finishing the annotated image', () => this.#annotated?.idle());
    await step('summarising', () => this.#logStopSummary());
    await step('closing the backend', () => this.#classifier?.close());
    await step('destroying the node', () => this.#node.destroy());
    await step('shutting down rclnodejs', () => this.#rcl.shutdown());
  }
}

/**
 * Per-frame outputs are published as serialized CDR (a Node Buffer, which rclnodejs sends as is): its conversion of
 * a plain object costs about 150 µs per message, the project's encoder about 10 µs (measured for bench/rosNode.ts).
 * rclnodejs sends a Buffer from offset 0 of its backing memory, so the Buffer must own all of it.
 */
function serialized(type: string, message: object): Buffer {
  const cdr = encodeMessage(type, message);
  if (cdr.byteOffset === 0 && cdr.byteLength === cdr.buffer.byteLength) return Buffer.from(cdr.buffer);
  // Not Buffer.from(cdr): a small copy lands in Node's shared pool, at an offset.
  const own = new Uint8Array(cdr.byteLength);
  own.set(cdr);
  return Buffer.from(own.buffer);
}

/** A one-line description of a startup failure, for the process' single error line. */
export function startupFailureLine(error: unknown): string {
  if (error instanceof EdgenextError) return `edgenext: ${error.message}`;
  return `edgenext: failed to start: ${errorMessage(error)}`;
}
