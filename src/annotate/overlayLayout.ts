import type { ClassScore } from '../core/classification';

/** What the overlay shows for one classified frame. */
export interface AnnotationContent {
  /** Best first, as the classifier returned them. */
  readonly topK: readonly ClassScore[];
  /** The best score was below the node's score threshold. */
  readonly unknown: boolean;
  /** The model has synthetic weights: its labels carry no meaning, which the overlay must say. */
  readonly syntheticWeights: boolean;
  /** The results come from the project's emulator of the BPU runtime, not a board. Default false. */
  readonly emulator?: boolean;
}

/** Results of the project's BPU emulator: the emulator runs only its own `.emu.json` model descriptions. */
export function isEmulatedBpu(card: { readonly backend: string; readonly modelFile?: string }): boolean {
  return card.backend === 'bpu' && (card.modelFile ?? '').endsWith('.emu.json');
}

export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export type OverlayRow =
  | { readonly kind: 'banner'; readonly text: string; readonly fill: string; readonly top: number }
  | {
      readonly kind: 'score';
      readonly text: string;
      readonly fill: string;
      readonly top: number;
      readonly fraction: number;
    };

export interface OverlayLayout {
  /** The only pixels the overlay changes, in image coordinates (inside the image). */
  readonly region: Rect;
  readonly fontPx: number;
  readonly rowHeight: number;
  readonly padding: number;
  /** Row tops are relative to the region. */
  readonly rows: readonly OverlayRow[];
}

export const BANNER_TEXTS = {
  synthetic: 'SYNTHETIC WEIGHTS: labels not meaningful',
  emulator: 'BPU EMULATOR',
  unknown: 'UNKNOWN: best score below threshold',
} as const;

const COLOURS = {
  synthetic: '#b35900',
  emulator: '#6f42c1',
  unknown: '#b00020',
  best: '#2ea043',
  other: '#388bfd',
} as const;

/** Characters a label keeps on the overlay (ImageNet labels can be long lists of synonyms). */
const MAX_LABEL_CHARS = 28;

export function scoreRowText(entry: ClassScore): string {
  const label = entry.label.length > MAX_LABEL_CHARS ? `${entry.label.slice(0, MAX_LABEL_CHARS - 1)}…` : entry.label;
  return `${(entry.score * 100).toFixed(1).padStart(5)}%  ${label}`;
}

/**
 * Where the overlay goes on a `width` x `height` image: a panel in the top-left corner, banners first (synthetic
 * weights, emulator, unknown), then one row per class with a bar as long as its score. Text scales with the image
 * (1/28 of its short side, 9 to 32 px); the panel is clipped to the image, so any image size works.
 */
export function layoutOverlay(width: number, height: number, content: AnnotationContent): OverlayLayout {
  const fontPx = Math.max(9, Math.min(32, Math.round(Math.min(width, height) / 28)));
  const rowHeight = Math.round(fontPx * 1.5);
  const padding = Math.max(2, Math.round(fontPx * 0.4));
  const rows: OverlayRow[] = [];
  let top = padding;
  const banner = (text: string, fill: string): void => {
    rows.push({ kind: 'banner', text, fill, top });
    top += rowHeight;
  };
  if (content.syntheticWeights) banner(BANNER_TEXTS.synthetic, COLOURS.synthetic);
  if (content.emulator === true) banner(BANNER_TEXTS.emulator, COLOURS.emulator);
  if (content.unknown) banner(BANNER_TEXTS.unknown, COLOURS.unknown);
  content.topK.forEach((entry, rank) => {
    const fraction = Number.isFinite(entry.score) ? Math.max(0, Math.min(1, entry.score)) : 0;
    rows.push({
      kind: 'score',
      text: scoreRowText(entry),
      fill: rank === 0 ? COLOURS.best : COLOURS.other,
      top,
      fraction,
    });
    top += rowHeight;
  });
  const margin = padding;
  const left = Math.min(margin, Math.max(0, width - 1));
  const regionTop = Math.min(margin, Math.max(0, height - 1));
  const region: Rect = {
    left,
    top: regionTop,
    width: Math.max(1, Math.min(Math.round(fontPx * 25), width - left - margin, width - left)),
    height: Math.max(1, Math.min(top + padding, height - regionTop)),
  };
  return { region, fontPx, rowHeight, padding, rows };
}
