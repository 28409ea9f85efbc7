/**
 * The report as plain data: what the page shows, with no knowledge of where it came from. classify, replay (and
 * eval) build one of these; renderReportHtml turns it into a self-contained page.
 */

export interface ReportScore {
  readonly label: string;
  readonly classId: number;
  readonly score: number;
}

export interface ReportItem {
  /** File name, or topic and stamp: shown escaped. */
  readonly name: string;
  /** A second line (frame id, timings...). */
  readonly caption?: string;
  /** A small JPEG, inlined as a data: URI. */
  readonly thumbnailJpeg?: Uint8Array;
  readonly topK: readonly ReportScore[];
  readonly unknown: boolean;
  /** Set for an input that failed: shown instead of scores. */
  readonly error?: string;
}

export type ReportCell = string | number;

export type ReportSection =
  | {
      readonly kind: 'items';
      readonly title: string;
      readonly items: readonly ReportItem[];
      /** Inputs in all; more than items.length means the items are a sample, which the page says. */
      readonly total: number;
    }
  | {
      readonly kind: 'table';
      readonly title: string;
      readonly columns: readonly string[];
      readonly rows: readonly (readonly ReportCell[])[];
      /** Shown when there are no rows. */
      readonly empty?: string;
      /** A stable id for the table element (tests and links). */
      readonly id?: string;
    }
  | {
      readonly kind: 'histogram';
      readonly title: string;
      readonly unit: string;
      readonly bins: readonly { readonly from: number; readonly to: number; readonly count: number }[];
      readonly percentiles: readonly { readonly label: string; readonly value: number }[];
    }
  | {
      readonly kind: 'series';
      readonly title: string;
      readonly xLabel: string;
      readonly yLabel: string;
      readonly points: readonly { readonly x: number; readonly y: number }[];
    }
  | {
      /** For `eval`: accuracy per group (a class, a topic, or the whole set). */
      readonly kind: 'accuracy';
      readonly title: string;
      readonly rows: readonly {
        readonly name: string;
        readonly count: number;
        readonly top1: number;
        readonly top5: number;
      }[];
    };

export interface ReportData {
  readonly title: string;
  /** ISO time the report was made. */
  readonly generatedAt: string;
  /** The model card as key / value lines. */
  readonly modelCard: readonly { readonly key: string; readonly value: string }[];
  /** Shows the "labels are not meaningful" banner. */
  readonly syntheticWeights: boolean;
  /** Shows the "BPU emulator" banner. */
  readonly emulator: boolean;
  readonly sections: readonly ReportSection[];
}
