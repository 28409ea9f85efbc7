import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  annotateToJpeg,
  isEmulatedBpu,
  jpegThumbnail,
  resolveAnnotationFont,
  type AnnotationContent,
  type AnnotationFont,
} from '../annotate';
import type { ClassScore } from '../core/classification';
import { errorMessage } from '../core/errors';
import type { ImageInput } from '../core/image';
import { readImageFile } from '../image';
import type { ReplayResult, ReplaySummary } from '../replay';
import { nearestRankPercentile } from '../core/percentile';
import {
  histogramBins,
  ItemSampler,
  renderReportHtml,
  throughputSeries,
  type ReportItem,
  type ReportSection,
} from '../report';

/** What the views need to know about the model (the runtime's ModelCard fits; replay's smaller card too). */
export interface ViewsModelCard {
  readonly modelName: string;
  readonly backend: string;
  readonly syntheticWeights: boolean;
  readonly modelFile?: string;
}

export interface ResultViewsOptions {
  /** Folder for annotated JPEGs (created). */
  readonly annotateDir?: string;
  /** The HTML report's path. */
  readonly reportFile?: string;
  readonly title: string;
  readonly card: ViewsModelCard;
  /** Items with a thumbnail on the page; beyond it they are evenly sampled. Default 200. */
  readonly reportLimit?: number;
}

export interface ViewItem {
  /** Shown on the page (file name, or topic and stamp). */
  readonly name: string;
  /** The annotated file's name without extension (unique per run). */
  readonly fileStem: string;
  readonly caption?: string;
  readonly image?: ImageInput;
  readonly topK: readonly ClassScore[];
  readonly unknown: boolean;
  readonly error?: string;
  /** For the latency histogram. */
  readonly latencyMs?: number;
  /** When the result arrived (performance.now()), for the throughput chart; default: when add() is called. */
  readonly arrivedMs?: number;
}

function cardEntries(card: ViewsModelCard): { key: string; value: string }[] {
  return Object.entries(card).map(([key, value]) => ({
    key,
    value:
      typeof value === 'string'
        ? value
        : typeof value === 'number' && !Number.isInteger(value)
          ? value.toFixed(2)
          : JSON.stringify(value),
  }));
}

/**
 * The `--annotate <dir>` and `--report <file>` outputs of classify and replay: annotated JPEGs written as results
 * arrive, and one HTML page at the end. Construct with create(): the font is checked (and the folder made) before
 * any work, so a missing font fails the command at once with a clear message.
 */
export class ResultViews {
  readonly #options: ResultViewsOptions;
  readonly #font: AnnotationFont | undefined;
  readonly #sampler: ItemSampler<ReportItem>;
  readonly #latencies: number[] = [];
  readonly #arrivalsMs: number[] = [];
  readonly #errors: { name: string; error: string }[] = [];
  #annotated = 0;
  readonly #stems = new Set<string>();
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  readonly #problems: string[] = [];

  private constructor(options: ResultViewsOptions, font: AnnotationFont | undefined) {
    this.#options = options;
    this.#font = font;
    this.#sampler = new ItemSampler(options.reportLimit ?? 200);
  }

  static async create(options: ResultViewsOptions): Promise<ResultViews> {
    const font = options.annotateDir !== undefined ? resolveAnnotationFont() : undefined;
    if (options.annotateDir !== undefined) await fs.mkdir(options.annotateDir, { recursive: true });
    if (options.reportFile !== undefined)
      await fs.mkdir(path.dirname(path.resolve(options.reportFile)), { recursive: true });
    return new ResultViews(options, font);
  }

  get emulator(): boolean {
    return isEmulatedBpu(this.#options.card);
  }

  /** Annotated files written so far. */
  get annotated(): number {
    return this.#annotated;
  }

  /**
   * Records one result: writes its annotated JPEG and keeps it for the report. Returns the problem (e.g. a frame
   * that cannot be decoded, a full disk) instead of throwing, so the caller reports it next to the input.
   */
  async add(item: ViewItem): Promise<string | undefined> {
    this.#arrivalsMs.push(item.arrivedMs ?? performance.now());
    if (item.latencyMs !== undefined) this.#latencies.push(item.latencyMs);
    if (item.error !== undefined) this.#errors.push({ name: item.name, error: item.error });
    let problem: string | undefined;
    const { annotateDir } = this.#options;
    if (annotateDir !== undefined && item.image !== undefined && item.error === undefined && this.#font !== undefined) {
      try {
        const jpeg = await annotateToJpeg(item.image, this.#content(item), this.#font);
        await fs.writeFile(path.join(annotateDir, `${item.fileStem}.jpg`), jpeg);
        this.#annotated += 1;
      } catch (error) {
        problem = `cannot write the annotated image: ${errorMessage(error)}`;
      }
    }
    if (this.#options.reportFile !== undefined) {
      await this.#sampler.offer(async () => {
        let thumbnailJpeg: Uint8Array | undefined;
        if (item.image !== undefined && item.error === undefined) {
          // A frame that cannot be thumbnailed still shows its scores.
          thumbnailJpeg = await jpegThumbnail(item.image).catch(() => undefined);
        }
        return {
          name: item.name,
          ...(item.caption !== undefined && { caption: item.caption }),
          ...(thumbnailJpeg !== undefined && { thumbnailJpeg }),
          topK: item.topK,
          unknown: item.unknown,
          ...(item.error !== undefined && { error: item.error }),
        };
      });
    }
    return problem;
  }

  /** classify's result for one image file: the file is read again only when an output needs its pixels. */
  async addFile(result: {
    readonly file: string;
    readonly topK?: readonly ClassScore[];
    readonly error?: string;
    readonly preprocessMs?: number;
    readonly inferenceMs?: number;
  }): Promise<string | undefined> {
    const image = result.error === undefined ? await readImageFile(result.file).catch(() => undefined) : undefined;
    const latencyMs =
      result.preprocessMs !== undefined && result.inferenceMs !== undefined
        ? result.preprocessMs + result.inferenceMs
        : undefined;
    return this.add({
      name: result.file,
      fileStem: this.uniqueStem(path.basename(result.file, path.extname(result.file))),
      ...(latencyMs !== undefined && { latencyMs, caption: `preprocess + inference ${latencyMs.toFixed(1)} ms` }),
      ...(image !== undefined && { image }),
      topK: result.topK ?? [],
      unknown: false,
      ...(result.error !== undefined && { error: result.error }),
    });
  }

  /**
   * replay's result for one frame (with its image, see ReplayOptions.keepImages). Called from a synchronous
   * callback: the work is queued in arrival order; settle() waits for it and returns the problems.
   */
  enqueueReplayResult(result: ReplayResult): void {
    const c = result.classification;
    const stamp = `${c.header.stamp.sec}.${String(c.header.stamp.nanosec).padStart(9, '0')}`;
    const item: ViewItem = {
      name: `${result.topic} @ ${stamp}`,
      fileStem: this.uniqueStem(`${result.topic}_${stamp}`),
      caption: `frame_id '${c.header.frameId}', ${c.timings.totalAgeMs.toFixed(1)} ms`,
      ...(result.image !== undefined && { image: result.image }),
      topK: c.topK,
      unknown: c.unknown,
      latencyMs: c.timings.totalAgeMs,
      arrivedMs: performance.now(),
    };
    this.#queued += 1;
    this.#queue = this.#queue
      .then(() => this.add(item))
      .finally(() => {
        this.#queued -= 1;
      })
      .then(
        (problem) => {
          if (problem !== undefined) this.#problems.push(`${item.name}: ${problem}`);
        },
        (error: unknown) => {
          this.#problems.push(`${item.name}: ${errorMessage(error)}`);
        },
      );
  }

  /**
   * Replay's beforeFeed: holds the bag back while `maxQueued` results (each holding its frame) wait to be drawn,
   * so memory stays bounded when drawing is slower than inference.
   */
  async backpressure(maxQueued = 8): Promise<void> {
    if (this.#queued >= maxQueued) await this.#queue;
  }

  /** Waits for queued work; returns one line per item that could not be written. */
  async settle(): Promise<readonly string[]> {
    await this.#queue;
    return this.#problems;
  }

  /** The replay sections of the report: counts per topic, drops by cause, latency, throughput, the bag's topics. */
  replaySections(summary: ReplaySummary): ReportSection[] {
    const sections: ReportSection[] = [
      {
        kind: 'table',
        id: 'topics',
        title: 'Replayed topics',
        columns: ['topic', 'type', 'frames', 'classified', 'dropped'],
        rows: summary.perTopic.map((t) => [
          t.topic,
          t.type,
          t.frames,
          t.classified,
          Object.values(t.dropped).reduce((a, b) => a + b, 0),
        ]),
      },
      {
        kind: 'table',
        id: 'drops',
        title: 'Dropped frames by cause',
        columns: ['topic', 'cause', 'frames'],
        rows: summary.perTopic.flatMap((t) => Object.entries(t.dropped).map(([cause, n]) => [t.topic, cause, n])),
        empty: 'No frame was dropped.',
      },
      this.latencySection('Latency (receipt to result)'),
      this.throughputSection(),
      {
        kind: 'table',
        id: 'bag-topics',
        title: `Bag ${summary.bag} (${summary.storage})`,
        columns: ['topic', 'type', 'messages', 'replayed'],
        rows: summary.topics.map((t) => [t.name, t.type, t.messageCount, t.replayed ? 'yes' : 'no']),
      },
    ];
    const problems = [...summary.warnings, ...(summary.error !== undefined ? [summary.error] : [])];
    if (problems.length > 0)
      sections.push({ kind: 'table', title: 'Problems', columns: ['problem'], rows: problems.map((p) => [p]) });
    return sections;
  }

  /** `base`, made safe as a file name, with `_2`, `_3`... when an earlier item had it (same name in two folders). */
  uniqueStem(base: string): string {
    const safe = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'image';
    let stem = safe;
    for (let n = 2; this.#stems.has(stem); n++) stem = `${safe}_${n}`;
    this.#stems.add(stem);
    return stem;
  }

  #content(item: ViewItem): AnnotationContent {
    return {
      topK: item.topK,
      unknown: item.unknown,
      syntheticWeights: this.#options.card.syntheticWeights,
      emulator: this.emulator,
    };
  }

  /** Latency histogram and percentiles of what add() recorded. */
  latencySection(title: string): ReportSection {
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    return {
      kind: 'histogram',
      title,
      unit: 'ms',
      bins: histogramBins(sorted),
      percentiles: [
        { label: 'p50 ms', value: nearestRankPercentile(sorted, 50) },
        { label: 'p95 ms', value: nearestRankPercentile(sorted, 95) },
        { label: 'p99 ms', value: nearestRankPercentile(sorted, 99) },
        { label: 'max ms', value: sorted.at(-1) ?? 0 },
      ],
    };
  }

  throughputSection(): ReportSection {
    return {
      kind: 'series',
      title: 'Throughput over time',
      xLabel: 'seconds since the first result',
      yLabel: 'results/s',
      points: throughputSeries(this.#arrivalsMs),
    };
  }

  errorsSection(): ReportSection {
    return {
      kind: 'table',
      id: 'errors',
      title: 'Failed inputs',
      columns: ['input', 'error'],
      rows: this.#errors.map((e) => [e.name, e.error]),
      empty: 'none',
    };
  }

  /** Writes the report (when one was asked for): the model card, the sampled items, then `sections`. */
  async writeReport(sections: readonly ReportSection[]): Promise<void> {
    const { reportFile, card, title } = this.#options;
    if (reportFile === undefined) return;
    const html = renderReportHtml({
      title,
      generatedAt: new Date().toISOString(),
      modelCard: cardEntries(card),
      syntheticWeights: card.syntheticWeights,
      emulator: this.emulator,
      sections: [
        { kind: 'items', title: 'Results', items: this.#sampler.items, total: this.#sampler.seen },
        ...sections,
      ],
    });
    await fs.writeFile(reportFile, html);
  }
}
