import type { FrameHeader } from './image';

export interface ClassScore {
  readonly classId: number;
  readonly label: string;
  readonly score: number;
}

/** Milliseconds spent per stage for one frame. */
export interface StageTimings {
  readonly queueMs: number;
  readonly preprocessMs: number;
  readonly inferenceMs: number;
  readonly postprocessMs: number;
  /** From the frame's stamp (or receive time) to publication. */
  readonly totalAgeMs: number;
}

export interface Classification {
  readonly source: string;
  readonly header: FrameHeader;
  readonly topK: readonly ClassScore[];
  /** True when the best score is below the configured threshold. */
  readonly unknown: boolean;
  readonly timings: StageTimings;
}
