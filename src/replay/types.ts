import type { ClassScore, Classification } from '../core/classification';
import type { ImageInput } from '../core/image';
import type { ModelInput } from '../core/preprocessing';
import type { PipelineBackend, PipelineOptions } from '../pipeline';

/** What replay reports about the model; the runtime's ModelCard fits. */
export interface ReplayModelCard {
  readonly modelName: string;
  readonly backend: string;
  readonly syntheticWeights: boolean;
  /** False when the labels must not be read as predictions (synthetic weights, the BPU emulator); default: not when the weights are synthetic. */
  readonly labelsMeaningful?: boolean;
  readonly labelsNote?: string;
}

/** The model as replay's summary and result files name it. */
export interface ReplayModel {
  readonly name: string;
  readonly backend: string;
  readonly syntheticWeights: boolean;
  readonly labelsMeaningful?: boolean;
  readonly labelsNote?: string;
}

/**
 * What replay needs from a classifier: the runtime's Classifier (src/runtime openClassifier) fits it.
 */
export interface ReplayClassifier {
  readonly backend: PipelineBackend;
  readonly card: ReplayModelCard;
  preprocess(image: ImageInput): ModelInput | Promise<ModelInput>;
  postprocess(logits: Float32Array, topK: number): readonly ClassScore[];
}

/**
 * How frames are fed. 'rate': in bag time scaled by `rate` (2 = twice as fast), through the live pipeline
 * settings, so a slower backend drops frames as it would on the robot. 'max_speed': as fast as the pipeline
 * takes them, holding at most `window` unfinished frames per topic, so no frame is dropped for lack of room.
 */
export type ReplayPace =
  { readonly mode: 'rate'; readonly rate: number } | { readonly mode: 'max_speed'; readonly window?: number };

export interface ReplayProgress {
  readonly read: number;
  /** Image messages the bag holds on the replayed topics. */
  readonly total: number;
  readonly classified: number;
}

export interface ReplayResult {
  readonly topic: string;
  /** Log time of the image message the result belongs to (also the result's log time in the results bag). */
  readonly logTimeNs: bigint;
  readonly classification: Classification;
  /** The decoded frame, when `keepImages` was set (for annotated files and reports). */
  readonly image?: ImageInput;
}

export interface ReplayOptions {
  /** Bag directory or .mcap / .db3 file. */
  readonly bagPath: string;
  /** Image topics to replay; default every Image / CompressedImage topic. */
  readonly topics?: readonly string[];
  /** Default { mode: 'rate', rate: 1 }. */
  readonly pace?: ReplayPace;
  /** Classes per result. Default 5. */
  readonly topK?: number;
  /**
   * Results prefix: a rosbag2 MCAP bag directory `<out>` and JSON Lines `<out>.jsonl`. Default: no files.
   * When either exists, replay refuses (EdgenextError 'invalid_argument') unless `overwrite` is set.
   */
  readonly out?: string;
  /** Replace existing results at `out`. Default false. */
  readonly overwrite?: boolean;
  /**
   * Pipeline settings (default: the live defaults, with ages from receipt). Given ones apply exactly as the node
   * applies them; a stamp age reference is measured on the bag's clock (log time, scaled by the rate). 'max_speed'
   * replaces only the queue policy and depth.
   */
  readonly pipeline?: Partial<PipelineOptions>;
  readonly onProgress?: (progress: ReplayProgress) => void;
  readonly onResult?: (result: ReplayResult) => void;
  /** Hand each result its frame (ReplayResult.image). Default false: frames are released once fed. */
  readonly keepImages?: boolean;
  /** Awaited before each frame is fed: lets a slow consumer of results (annotated files) hold replay back. */
  readonly beforeFeed?: () => Promise<void>;
}

export interface TopicSummary {
  readonly topic: string;
  readonly type: string;
  /** Image messages read from the bag. */
  readonly frames: number;
  readonly classified: number;
  /** By cause: the pipeline's causes plus 'malformed' for messages whose CDR did not decode. */
  readonly dropped: Readonly<Record<string, number>>;
}

export interface ReplaySummary {
  readonly bag: string;
  readonly storage: string;
  /** Every topic in the bag; `replayed` marks the image topics fed to the pipeline. */
  readonly topics: readonly {
    readonly name: string;
    readonly type: string;
    readonly messageCount: number;
    readonly replayed: boolean;
  }[];
  readonly perTopic: readonly TopicSummary[];
  /** The options the pipeline really ran with (after --params, --max-speed and defaults). */
  readonly pipeline: PipelineOptions;
  readonly frames: number;
  readonly classified: number;
  readonly dropped: Readonly<Record<string, number>>;
  readonly droppedTotal: number;
  /** From receipt by the pipeline to the result, over every result. */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  readonly wallMs: number;
  /** Results per second of wall time. */
  readonly fps: number;
  /** Most frequent top-1 classes, most frequent first (at most 5). */
  readonly topClasses: readonly { readonly classId: number; readonly label: string; readonly count: number }[];
  readonly model: ReplayModel;
  readonly resultsBag: string | undefined;
  readonly resultsJsonl: string | undefined;
  /** Reader warnings (e.g. a truncated file read without its index). */
  readonly warnings: readonly string[];
  /** Set when reading stopped early (corrupt chunk): the results before it are kept. */
  readonly error: string | undefined;
}
