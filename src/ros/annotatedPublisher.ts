/**
 * `~/image_annotated`: the frame with its result drawn on it. Off by default; when on, it never competes with
 * classification: frames are remembered only while someone subscribes, the drawing starts after the result is
 * published, runs one at a time, at most `annotated_max_rate` per second, and what cannot be drawn is dropped and
 * counted by reason (in /diagnostics).
 */
import { annotateFrame, isEmulatedBpu, resolveAnnotationFont, type AnnotationFont } from '../annotate';
import type { Classification } from '../core/classification';
import { errorMessage } from '../core/errors';
import { stampToNs, type FrameHeader, type ImageInput } from '../core/image';
import type { RosDiagnosticStatus } from '../messages';
import { DiagnosticLevels, kv } from './diagnostics';
import type { RclPublisher } from './rcl';

export const ANNOTATED_TOPIC = '~/image_annotated';
export const ANNOTATED_TYPE = 'sensor_msgs/msg/Image';

/** Frames remembered per camera while waiting for their result (a result comes back after a few frames at most). */
const FRAMES_PER_SOURCE = 4;

export interface AnnotatedCounts {
  published: number;
  /** Results skipped because the last annotated image is younger than 1 / annotated_max_rate. */
  droppedRate: number;
  /** Results that arrived while the previous image was still being drawn. */
  droppedBusy: number;
  /** Results whose frame was no longer remembered (more frames arrived than FRAMES_PER_SOURCE meanwhile). */
  droppedNoFrame: number;
  /** Drawing or publishing failed (e.g. no font): the result itself was published as usual. */
  failed: number;
}

export interface AnnotatedPublisherOptions {
  readonly publisher: RclPublisher;
  /** Read at every frame, so `ros2 param set` applies at once. */
  readonly settings: () => { readonly publishAnnotated: boolean; readonly annotatedMaxRate: number };
  /** The model card (undefined before the model is loaded): the overlay says synthetic weights and emulator. */
  readonly card: () =>
    { readonly syntheticWeights: boolean; readonly backend: string; readonly modelFile?: string } | undefined;
  /** Milliseconds. */
  readonly clock: () => number;
  /** Called with one line per failure (the node rate-limits its log). */
  readonly onFailure: (line: string) => void;
  /** The font; default resolveAnnotationFont() (checked at the first image, retried after a failure). */
  readonly font?: () => AnnotationFont;
}

interface RememberedFrame {
  readonly stampNs: bigint;
  readonly frameId: string;
  readonly image: ImageInput;
}

/**
 * rclnodejs exposes subscriptionCount as a getter at run time while its typings declare a method (see rcl.ts), so it
 * is read here, untyped, accepting either. Unknown: assume a subscriber.
 */
export function subscriberCount(publisher: RclPublisher): number {
  const value: unknown = Reflect.get(publisher, 'subscriptionCount');
  if (typeof value === 'number') return value;
  if (typeof value === 'function') return Number((value as () => unknown).call(publisher));
  return 1;
}

export class AnnotatedPublisher {
  readonly #options: AnnotatedPublisherOptions;
  readonly #frames = new Map<string, RememberedFrame[]>();
  readonly #counts: AnnotatedCounts = { published: 0, droppedRate: 0, droppedBusy: 0, droppedNoFrame: 0, failed: 0 };
  #font: AnnotationFont | undefined;
  #busy: Promise<void> | undefined;
  #lastStartMs = -Infinity;
  #lastError = '';
  #previousCounts: AnnotatedCounts | undefined;

  constructor(options: AnnotatedPublisherOptions) {
    this.#options = options;
  }

  get counts(): Readonly<AnnotatedCounts> {
    return { ...this.#counts };
  }

  /** Whether frames should be kept: on, and somebody listens. Cheap: the camera callback calls it per frame. */
  #active(): boolean {
    if (!this.#options.settings().publishAnnotated) return false;
    return subscriberCount(this.#options.publisher) > 0;
  }

  /** Camera callback hook: remembers the frame (by reference, no copy) only while the output is active. */
  rememberFrame(source: string, header: FrameHeader, image: ImageInput): void {
    if (!this.#active()) {
      this.#frames.clear();
      return;
    }
    let frames = this.#frames.get(source);
    if (frames === undefined) this.#frames.set(source, (frames = []));
    frames.push({ stampNs: stampToNs(header.stamp), frameId: header.frameId, image });
    if (frames.length > FRAMES_PER_SOURCE) frames.shift();
  }

  /** Result hook, called after the result is published: starts drawing, or drops and counts. Never throws. */
  offer(result: Classification): void {
    const frames = this.#frames.get(result.source);
    if (frames === undefined || !this.#active()) return;
    const stampNs = stampToNs(result.header.stamp);
    const index = frames.findIndex((f) => f.stampNs === stampNs && f.frameId === result.header.frameId);
    if (index < 0) {
      this.#counts.droppedNoFrame++;
      return;
    }
    const frame = frames[index] as RememberedFrame;
    // Older frames of this camera will get no result any more (the pipeline publishes in order).
    frames.splice(0, index + 1);
    const now = this.#options.clock();
    const periodMs = 1000 / this.#options.settings().annotatedMaxRate;
    if (now - this.#lastStartMs < periodMs) {
      this.#counts.droppedRate++;
      return;
    }
    if (this.#busy !== undefined) {
      this.#counts.droppedBusy++;
      return;
    }
    this.#lastStartMs = now;
    this.#busy = this.#draw(result, frame).finally(() => {
      this.#busy = undefined;
    });
  }

  async #draw(result: Classification, frame: RememberedFrame): Promise<void> {
    try {
      this.#font ??= (this.#options.font ?? resolveAnnotationFont)();
      const card = this.#options.card();
      const { image } = await annotateFrame(
        frame.image,
        {
          topK: result.topK,
          unknown: result.unknown,
          syntheticWeights: card?.syntheticWeights ?? false,
          emulator: card !== undefined && isEmulatedBpu(card),
        },
        this.#font,
      );
      this.#options.publisher.publish({
        header: { stamp: result.header.stamp, frame_id: result.header.frameId },
        height: image.height,
        width: image.width,
        encoding: image.encoding,
        is_bigendian: 0,
        step: image.step,
        // rclnodejs copies typed arrays from offset 0 of their buffer: hand it a fresh one.
        data:
          image.data.byteOffset === 0 && image.data.byteLength === image.data.buffer.byteLength
            ? image.data
            : image.data.slice(),
      });
      this.#counts.published++;
    } catch (error) {
      this.#counts.failed++;
      this.#lastError = errorMessage(error);
      try {
        this.#options.onFailure(`~/image_annotated: ${this.#lastError}`);
      } catch {
        // The node's logger is gone once it is destroyed; the failure is counted anyway.
      }
    }
  }

  /** Waits for the image being drawn (shutdown, tests). */
  async idle(): Promise<void> {
    await this.#busy;
  }

  /** One DiagnosticStatus for /diagnostics (call once per period): WARN when drawing failed in the period. */
  diagnosticStatus(nodeName: string): RosDiagnosticStatus {
    const c = this.#counts;
    const previous = this.#previousCounts;
    this.#previousCounts = { ...c };
    const on = this.#options.settings().publishAnnotated;
    const failedInPeriod = c.failed - (previous?.failed ?? 0);
    const level = on && failedInPeriod > 0 ? DiagnosticLevels.warn : DiagnosticLevels.ok;
    const message = !on
      ? 'off (publish_annotated is false)'
      : failedInPeriod > 0
        ? `${failedInPeriod} annotated images failed in the last period: ${this.#lastError}`
        : `${c.published} published`;
    return {
      level,
      name: `${nodeName}: image_annotated`,
      message,
      hardware_id: '',
      values: [
        kv('published', c.published),
        kv('dropped.rate_limit', c.droppedRate),
        kv('dropped.busy', c.droppedBusy),
        kv('dropped.frame_gone', c.droppedNoFrame),
        kv('failed', c.failed),
      ],
    };
  }
}
