import { access } from 'node:fs/promises';
import { Subject } from 'rxjs';
import { openBag, type BagReader } from '../bag';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import type { ImageInput } from '../core/image';
import { decodeImageMessage, isImageType } from '../messages';
import {
  losslessOptions,
  runPipeline,
  validatePipelineOptions,
  type Classified,
  type DroppedFrame,
  type Frame,
  type PipelineOptions,
} from '../pipeline';
import { nearestRankPercentile as percentile } from '../core/percentile';
import { ResultsSink } from './ResultsSink';
import type { ReplayClassifier, ReplayOptions, ReplayResult, ReplaySummary, TopicSummary } from './types';
import { plural } from '../core/plural';

/** What each frame carries through the pipeline: the bag message it came from. */
interface BagMessageRef {
  readonly topic: string;
  readonly logTimeNs: bigint;
  /** The decoded frame, only with `keepImages`. */
  readonly image?: ImageInput;
}

interface TopicState {
  readonly topic: string;
  readonly type: string;
  read: number;
  classified: number;
  readonly dropped: Record<string, number>;
}

/** Where a reader found its file cut short ('<file>: truncated at byte N'), if it did. */
function truncation(reader: BagReader): string | undefined {
  for (const warning of reader.warnings) {
    const match = /^(.*): truncated at byte (\d+)/.exec(warning);
    if (match) return `${match[1]}: truncated at byte ${match[2]}`;
  }
  return undefined;
}

/** Picks the image topics to replay; throws EdgenextError 'invalid_argument' naming the bag and what is wrong. */
function replayableTopics(reader: BagReader, wanted: readonly string[] | undefined): { name: string; type: string }[] {
  if (reader.messageCount === 0) {
    const truncated = truncation(reader);
    if (truncated !== undefined) {
      throw new EdgenextError(
        ErrorCodes.corruptFile,
        `${truncated}, before its first complete message: nothing to replay`,
      );
    }
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `${reader.path}: empty bag (no messages in ${plural(reader.topics.length, 'topic')})`,
    );
  }
  const images = reader.topics.filter((t) => isImageType(t.type));
  const listing = reader.topics.map((t) => `${t.name} (${t.type}, ${t.messageCount})`).join(', ') || 'none';
  if (wanted !== undefined && wanted.length > 0) {
    return wanted.map((name) => {
      const topic = reader.topics.find((t) => t.name === name);
      if (topic === undefined)
        throw new EdgenextError(ErrorCodes.invalidArgument, `${reader.path}: no topic '${name}'; topics: ${listing}`);
      if (!isImageType(topic.type)) {
        throw new EdgenextError(
          ErrorCodes.invalidArgument,
          `${reader.path}: topic '${name}' is ${topic.type}, not sensor_msgs/msg/Image or CompressedImage`,
        );
      }
      return topic;
    });
  }
  if (images.length === 0) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `${reader.path}: no image topic (sensor_msgs/msg/Image or sensor_msgs/msg/CompressedImage) to replay; topics: ${listing}`,
    );
  }
  return images;
}

/** A bag opened and checked for replay: the image topics it will replay. Close it when done. */
export interface OpenedReplayBag {
  readonly reader: BagReader;
  readonly topics: readonly { readonly name: string; readonly type: string }[];
  close(): Promise<void>;
}

/**
 * Opens a bag and checks that it can be replayed, before any model is loaded. Throws EdgenextError for a
 * missing or unreadable bag, an empty bag (or one truncated before its first complete message), a bag without
 * image topics or a requested topic that is not an image topic.
 */
export async function openReplayBag(bagPath: string, topics?: readonly string[]): Promise<OpenedReplayBag> {
  const reader = await openBag(bagPath);
  try {
    const replayed = replayableTopics(reader, topics).map((t) => ({ name: t.name, type: t.type }));
    return { reader, topics: replayed, close: () => reader.close() };
  } catch (error) {
    await reader.close();
    throw error;
  }
}

/**
 * Replays the image topics of a rosbag2 bag through the classification pipeline and returns a summary.
 * Non-image topics are listed, never decoded. A message whose CDR does not decode is counted ('malformed') and
 * replay goes on; a damaged chunk stops reading and is reported in `error` with every result before it kept.
 * Throws EdgenextError (before any work) as openReplayBag does, and when the results exist without `overwrite`.
 */
export async function replayBag(options: ReplayOptions, classifier: ReplayClassifier): Promise<ReplaySummary> {
  const opened = await openReplayBag(options.bagPath, options.topics);
  try {
    return await replayOpenedBag(opened, options, classifier);
  } finally {
    await opened.close();
  }
}

async function refuseExisting(out: string): Promise<void> {
  for (const file of [out, `${out}.jsonl`]) {
    const exists = await access(file).then(
      () => true,
      () => false,
    );
    if (exists) {
      throw new EdgenextError(
        ErrorCodes.invalidArgument,
        `${file} exists: replay never replaces results without --overwrite`,
      );
    }
  }
}

/** The monotonic clock of the pipeline and of the frames' receive times (ms). */
const monotonicMs = (): number => performance.timeOrigin + performance.now();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** replayBag on a bag already opened by openReplayBag (the bag is read once, and not closed here). */
export async function replayOpenedBag(
  opened: OpenedReplayBag,
  options: ReplayOptions,
  classifier: ReplayClassifier,
): Promise<ReplaySummary> {
  const { reader } = opened;
  const pace = options.pace ?? { mode: 'rate', rate: 1 };
  if (pace.mode === 'rate' && !(pace.rate > 0 && Number.isFinite(pace.rate))) {
    throw new EdgenextError(ErrorCodes.invalidArgument, `--rate must be a positive number, got ${pace.rate}`);
  }
  // Without the node's parameters, ages count from receipt: bag stamps are hours or years old. With them, ages
  // count as the node counts them, on the bag's own clock (see ageClock below).
  const given = options.pipeline ?? {};
  const base: Partial<PipelineOptions> = {
    ageReference: 'receive_time',
    ...given,
    topK: options.topK ?? given.topK ?? 5,
  };
  // Bad pipeline options fail here, before any result file is created.
  const validated = validatePipelineOptions(base);
  const pipelineOptions = pace.mode === 'max_speed' ? losslessOptions(validated, pace.window) : validated;
  if (options.out !== undefined && options.overwrite !== true) await refuseExisting(options.out);
  const model = {
    name: classifier.card.modelName,
    backend: classifier.card.backend,
    syntheticWeights: classifier.card.syntheticWeights,
    labelsMeaningful: classifier.card.labelsMeaningful ?? !classifier.card.syntheticWeights,
    ...(classifier.card.labelsNote !== undefined && { labelsNote: classifier.card.labelsNote }),
  };
  const sink = options.out !== undefined ? await ResultsSink.create(options.out, model) : undefined;

  const states = new Map<string, TopicState>(
    opened.topics.map((t) => [t.name, { topic: t.name, type: t.type, read: 0, classified: 0, dropped: {} }]),
  );
  const countDrop = (state: TopicState, cause: string): void => {
    state.dropped[cause] = (state.dropped[cause] ?? 0) + 1;
  };
  const total = opened.topics.reduce(
    (n, t) => n + (reader.topics.find((x) => x.name === t.name)?.messageCount ?? 0),
    0,
  );
  const latencies: number[] = [];
  const top1 = new Map<number, { label: string; count: number }>();
  let read = 0;
  let classified = 0;
  let writes = Promise.resolve();
  let writeError: unknown;
  let readError: string | undefined;
  let fatal: unknown;
  const startMs = monotonicMs();
  let firstLogNs: bigint | undefined;
  /** Bag time now (ms): what the node's ROS clock would read if the bag were being recorded now. */
  const bagClockMs = (): number => {
    const elapsedMs = monotonicMs() - startMs;
    const rate = pace.mode === 'rate' ? pace.rate : 1;
    return Number(firstLogNs ?? reader.startTimeNs) / 1e6 + elapsedMs * rate;
  };

  async function* frames(): AsyncGenerator<Frame<BagMessageRef>> {
    try {
      for await (const message of reader.readMessages({ topics: opened.topics.map((t) => t.name) })) {
        const state = states.get(message.topic);
        if (state === undefined) continue;
        state.read += 1;
        read += 1;
        if (pace.mode === 'rate') {
          firstLogNs ??= message.logTimeNs;
          const dueMs = startMs + Number(message.logTimeNs - firstLogNs) / 1e6 / pace.rate;
          const waitMs = dueMs - monotonicMs();
          if (waitMs > 1) await sleep(waitMs);
        }
        let decoded;
        try {
          decoded = decodeImageMessage(message.type, message.data);
        } catch (error) {
          if (error instanceof EdgenextError && error.code === ErrorCodes.malformedFrame) {
            countDrop(state, 'malformed');
            options.onProgress?.({ read, total, classified });
            continue;
          }
          throw error;
        }
        options.onProgress?.({ read, total, classified });
        await options.beforeFeed?.();
        yield {
          header: decoded.header,
          receiveTimeMs: monotonicMs(),
          image: decoded.image,
          payload: {
            topic: message.topic,
            logTimeNs: message.logTimeNs,
            ...(options.keepImages === true && { image: decoded.image }),
          },
        };
      }
    } catch (error) {
      // Reading stops; everything read so far is still classified.
      if (error instanceof EdgenextError) readError = errorMessage(error);
      else fatal = error;
    }
  }

  const onResult = (c: Classified<BagMessageRef>): void => {
    const state = states.get(c.payload.topic);
    if (state === undefined) return;
    const { payload, ...classification } = c;
    const result: ReplayResult = {
      topic: payload.topic,
      logTimeNs: payload.logTimeNs,
      classification: { ...classification, source: payload.topic },
      ...(payload.image !== undefined && { image: payload.image }),
    };
    state.classified += 1;
    classified += 1;
    latencies.push(c.timings.totalAgeMs);
    const best = c.topK[0];
    if (best !== undefined) {
      const seen = top1.get(best.classId) ?? { label: best.label, count: 0 };
      seen.count += 1;
      top1.set(best.classId, seen);
    }
    options.onResult?.(result);
    if (sink !== undefined) {
      writes = writes
        .then(() => sink.write(result))
        .catch((error: unknown) => {
          writeError ??= error;
        });
    }
    options.onProgress?.({ read, total, classified });
  };
  const onDrop = (drop: DroppedFrame<BagMessageRef>): void => {
    const state = states.get(drop.payload.topic);
    if (state !== undefined) countDrop(state, drop.cause);
  };

  const deps = {
    backend: classifier.backend,
    preprocess: classifier.preprocess.bind(classifier),
    postprocess: classifier.postprocess.bind(classifier),
    clock: monotonicMs,
    ageClock: bagClockMs,
    onDrop,
  };
  if (pace.mode === 'max_speed') {
    // One pulled source in log order: the bag is read only as fast as the pipeline takes frames.
    await runPipeline({ options: pipelineOptions, deps, sources: new Map([['bag', frames()]]), onResult });
  } else {
    // In bag time, one pushed source per topic, as the node's subscriptions: a slower backend drops as live.
    const topics = new Map(opened.topics.map((t) => [t.name, new Subject<Frame<BagMessageRef>>()]));
    const done = runPipeline({ options: pipelineOptions, deps, sources: topics, onResult });
    for await (const frame of frames()) topics.get(frame.payload.topic)?.next(frame);
    for (const subject of topics.values()) subject.complete();
    await done;
  }
  const wallMs = monotonicMs() - startMs;
  await writes;
  await sink?.close();
  if (fatal !== undefined) throw fatal;
  if (writeError !== undefined) throw writeError;

  const dropped: Record<string, number> = {};
  const perTopic: TopicSummary[] = [...states.values()].map((state) => {
    for (const [cause, n] of Object.entries(state.dropped)) dropped[cause] = (dropped[cause] ?? 0) + n;
    return {
      topic: state.topic,
      type: state.type,
      frames: state.read,
      classified: state.classified,
      dropped: { ...state.dropped },
    };
  });
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    bag: reader.path,
    storage: reader.storage,
    topics: reader.topics.map((t) => ({ ...t, replayed: states.has(t.name) })),
    perTopic,
    pipeline: pipelineOptions,
    frames: read,
    classified,
    dropped,
    droppedTotal: Object.values(dropped).reduce((a, b) => a + b, 0),
    latencyMs: {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? 0,
    },
    wallMs,
    fps: wallMs > 0 ? (classified * 1000) / wallMs : 0,
    topClasses: [...top1]
      .map(([classId, v]) => ({ classId, label: v.label, count: v.count }))
      .sort((a, b) => b.count - a.count || a.classId - b.classId)
      .slice(0, 5),
    model,
    resultsBag: sink?.bagDir,
    resultsJsonl: sink?.jsonlFile,
    warnings: reader.warnings,
    error: readError,
  };
}
