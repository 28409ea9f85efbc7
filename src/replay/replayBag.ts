import { Subject } from 'rxjs';
import { openBag, type BagReader } from '../bag';
import type { Classification } from '../core/classification';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { stampToNs } from '../core/image';
import { decodeImageMessage, isImageType } from '../messages';
import { createPipeline, validatePipelineOptions, type Frame, type PipelineOptions } from '../pipeline';
import { nearestRankPercentile as percentile } from '../core/percentile';
import { readAhead } from './readAhead';
import { ResultsSink } from './ResultsSink';
import type { ReplayClassifier, ReplayOptions, ReplayResult, ReplaySummary, TopicSummary } from './types';
import { plural } from '../core/plural';

/** Unfinished frames per topic under --max-speed when no window is given: enough to keep batches and slots busy. */
function defaultWindow(options: PipelineOptions): number {
  return Math.max(4, 2 * options.maxInflight * options.maxBatch);
}

/** How often a full window re-checks the pipeline's counters when no result arrives (a frame may have been dropped). */
const WINDOW_POLL_MS = 5;

/** Messages read ahead of the pipeline, so bag I/O overlaps inference (two 720p frames: about 5.5 MB). */
const READ_AHEAD_MESSAGES = 2;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface TopicState {
  readonly topic: string;
  readonly type: string;
  readonly frames$: Subject<Frame>;
  /** Fed frames not yet matched to a result, in order (the pipeline publishes per topic in frame order). */
  readonly pending: { stampNs: bigint; frameId: string; logTimeNs: bigint }[];
  read: number;
  fed: number;
  malformed: number;
  classified: number;
}

/** Picks the image topics to replay; throws EdgenextError 'invalid_argument' naming the bag and what is wrong. */
function replayableTopics(reader: BagReader, wanted: readonly string[] | undefined): { name: string; type: string }[] {
  if (reader.messageCount === 0) {
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

/**
 * Replays the image topics of a rosbag2 bag through the classification pipeline and returns a summary.
 * Non-image topics are listed, never decoded. A message whose CDR does not decode is counted ('malformed') and
 * replay goes on; a damaged chunk stops reading and is reported in `error` with every result before it kept.
 * Throws EdgenextError (before any work) for a missing or unreadable bag, an empty bag, a bag without image
 * topics or a requested topic that is not an image topic.
 */
export async function replayBag(options: ReplayOptions, classifier: ReplayClassifier): Promise<ReplaySummary> {
  const reader = await openBag(options.bagPath);
  try {
    return await runReplay(reader, replayableTopics(reader, options.topics), options, classifier);
  } finally {
    await reader.close();
  }
}

async function runReplay(
  reader: BagReader,
  replayed: { name: string; type: string }[],
  options: ReplayOptions,
  classifier: ReplayClassifier,
): Promise<ReplaySummary> {
  const pace = options.pace ?? { mode: 'rate', rate: 1 };
  if (pace.mode === 'rate' && !(pace.rate > 0 && Number.isFinite(pace.rate))) {
    throw new EdgenextError(ErrorCodes.invalidArgument, `--rate must be a positive number, got ${pace.rate}`);
  }
  const topK = options.topK ?? 5;
  // Ages from receipt: bag stamps are hours or years old, and --rate plays them as if they arrived live.
  const base: Partial<PipelineOptions> = { ...options.pipeline, topK, ageReference: 'receive_time' };
  // Bad pipeline options fail here, before any result file is created.
  const validated = validatePipelineOptions(base);
  const model = {
    name: classifier.card.modelName,
    backend: classifier.card.backend,
    syntheticWeights: classifier.card.syntheticWeights,
    labelsMeaningful: classifier.card.labelsMeaningful ?? !classifier.card.syntheticWeights,
    ...(classifier.card.labelsNote !== undefined && { labelsNote: classifier.card.labelsNote }),
  };
  const sink = options.out !== undefined ? await ResultsSink.create(options.out, model) : undefined;
  // --max-speed: a FIFO buffer as deep as the window, which the window never lets overflow: no drops for room.
  const window = pace.mode === 'max_speed' ? (pace.window ?? defaultWindow(validated)) : 0;
  const pipeline = createPipeline(
    pace.mode === 'max_speed' ? { ...base, queuePolicy: 'drop_newest', queueDepth: window } : base,
    {
      backend: classifier.backend,
      preprocess: (image) => classifier.preprocess(image),
      postprocess: (logits, k) => classifier.postprocess(logits, k),
    },
  );

  const states = new Map<string, TopicState>();
  for (const t of replayed) {
    const state: TopicState = {
      topic: t.name,
      type: t.type,
      frames$: new Subject<Frame>(),
      pending: [],
      read: 0,
      fed: 0,
      malformed: 0,
      classified: 0,
    };
    states.set(t.name, state);
  }
  const total = replayed.reduce((n, t) => n + (reader.topics.find((x) => x.name === t.name)?.messageCount ?? 0), 0);
  const latencies: number[] = [];
  const top1 = new Map<number, { label: string; count: number }>();
  let read = 0;
  let classified = 0;
  let writes = Promise.resolve();
  let writeError: unknown;
  let wake: (() => void) | undefined;

  const onResult = (c: Classification): void => {
    const state = states.get(c.source);
    if (state === undefined) return;
    const stampNs = stampToNs(c.header.stamp);
    // Frames dropped in the pipeline never publish: skip their entries up to this frame.
    let entry = state.pending.shift();
    while (entry !== undefined && !(entry.stampNs === stampNs && entry.frameId === c.header.frameId))
      entry = state.pending.shift();
    const result: ReplayResult = { topic: state.topic, logTimeNs: entry?.logTimeNs ?? stampNs, classification: c };
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
    wake?.();
  };
  const subscription = pipeline.results.subscribe({ next: onResult });
  for (const state of states.values()) pipeline.addSource(state.topic, state.frames$);

  /** Unfinished frames of a topic: fed, neither published nor dropped. */
  const outstanding = (state: TopicState): number => {
    const s = pipeline.stats().sources.find((x) => x.name === state.topic);
    return s === undefined ? 0 : s.received - s.published - s.droppedTotal;
  };
  const waitForRoom = async (state: TopicState): Promise<void> => {
    // Cheap check first: fed - classified bounds the outstanding count from above.
    while (state.fed - state.classified >= window && outstanding(state) >= window) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WINDOW_POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  };

  const startMs = Date.now();
  let firstLogNs: bigint | undefined;
  let readError: string | undefined;
  let fatal: unknown;
  try {
    for await (const message of readAhead(
      reader.readMessages({ topics: replayed.map((t) => t.name) }),
      READ_AHEAD_MESSAGES,
    )) {
      const state = states.get(message.topic);
      if (state === undefined) continue;
      state.read += 1;
      read += 1;
      if (pace.mode === 'rate') {
        firstLogNs ??= message.logTimeNs;
        const dueMs = startMs + Number(message.logTimeNs - firstLogNs) / 1e6 / pace.rate;
        const waitMs = dueMs - Date.now();
        if (waitMs > 1) await sleep(waitMs);
      } else {
        await waitForRoom(state);
      }
      let decoded;
      try {
        decoded = decodeImageMessage(message.type, message.data);
      } catch (error) {
        if (error instanceof EdgenextError && error.code === ErrorCodes.malformedFrame) {
          state.malformed += 1;
          options.onProgress?.({ read, total, classified });
          continue;
        }
        throw error;
      }
      state.pending.push({
        stampNs: stampToNs(decoded.header.stamp),
        frameId: decoded.header.frameId,
        logTimeNs: message.logTimeNs,
      });
      state.fed += 1;
      state.frames$.next({
        source: state.topic,
        header: decoded.header,
        receiveTimeMs: Date.now(),
        image: decoded.image,
      });
      options.onProgress?.({ read, total, classified });
    }
  } catch (error) {
    if (error instanceof EdgenextError) readError = errorMessage(error);
    else fatal = error;
  }
  for (const state of states.values()) state.frames$.complete();
  if (fatal === undefined) await pipeline.drained();
  const stats = pipeline.stats();
  const wallMs = Date.now() - startMs;
  await pipeline.shutdown();
  subscription.unsubscribe();
  await writes;
  await sink?.close();
  if (fatal !== undefined) throw fatal;
  if (writeError !== undefined) throw writeError;

  const dropped: Record<string, number> = {};
  const perTopic: TopicSummary[] = [...states.values()].map((state) => {
    const s = stats.sources.find((x) => x.name === state.topic);
    const topicDropped: Record<string, number> = {};
    for (const [cause, n] of Object.entries(s?.dropped ?? {})) if (n > 0) topicDropped[cause] = n;
    if (state.malformed > 0) topicDropped['malformed'] = (topicDropped['malformed'] ?? 0) + state.malformed;
    for (const [cause, n] of Object.entries(topicDropped)) dropped[cause] = (dropped[cause] ?? 0) + n;
    return {
      topic: state.topic,
      type: state.type,
      frames: state.read,
      classified: state.classified,
      dropped: topicDropped,
    };
  });
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    bag: reader.path,
    storage: reader.storage,
    topics: reader.topics.map((t) => ({ ...t, replayed: states.has(t.name) })),
    perTopic,
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

/**
 * The checks replayBag makes before any work, without a classifier: lets a command refuse a bag (missing,
 * unreadable, empty, no image topic, non-image topic requested) before it loads a model. Returns the image
 * topics that would be replayed; throws the same EdgenextError replayBag would.
 */
export async function checkReplayBag(
  bagPath: string,
  topics?: readonly string[],
): Promise<{ name: string; type: string }[]> {
  const reader = await openBag(bagPath);
  try {
    return replayableTopics(reader, topics).map((t) => ({ name: t.name, type: t.type }));
  } finally {
    await reader.close();
  }
}
