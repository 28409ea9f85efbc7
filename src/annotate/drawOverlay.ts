import type { OverlayOptions } from 'sharp';
import type { RawImage } from '../core/image';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { sharp } from '../image/sharp';
import { assertRgb8 } from '../image/toRgb8';
import { fontMissing, type AnnotationFont } from './annotationFont';
import { layoutOverlay, type AnnotationContent, type OverlayLayout, type OverlayRow, type Rect } from './overlayLayout';

type OverlayInput = OverlayOptions;

/** Pango markup: labels come from label files and bags, and `<`/`&` would break (or style) the markup. */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function panelSvg(layout: OverlayLayout): Buffer {
  const { region, padding, rowHeight } = layout;
  const barWidth = Math.max(0, region.width - 2 * padding);
  const shapes = layout.rows.map((row: OverlayRow) => {
    if (row.kind === 'banner')
      return `<rect x="0" y="${row.top}" width="${region.width}" height="${rowHeight}" fill="${row.fill}"/>`;
    const y = row.top + 1;
    const h = rowHeight - 2;
    return (
      `<rect x="${padding}" y="${y}" width="${barWidth}" height="${h}" fill="#ffffff" fill-opacity="0.12"/>` +
      `<rect x="${padding}" y="${y}" width="${(barWidth * row.fraction).toFixed(1)}" height="${h}" fill="${row.fill}" fill-opacity="0.85"/>`
    );
  });
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${region.width}" height="${region.height}">` +
      `<rect width="${region.width}" height="${region.height}" fill="#000000" fill-opacity="0.6"/>${shapes.join('')}</svg>`,
  );
}

/** One line of white text as RGBA; throws 'font_missing' when Pango drew nothing for visible characters. */
async function renderText(
  text: string,
  fontPx: number,
  font: AnnotationFont,
): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp({
    text: {
      text: `<span foreground="#ffffff">${escapeMarkup(text)}</span>`,
      font: `${font.family} ${fontPx}`,
      fontfile: font.file,
      // 72 dpi: one point is one pixel, so the size above is in pixels.
      dpi: 72,
      rgba: true,
      wrap: 'none',
    },
  })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`text renderer produced ${info.channels} channels instead of 4`);
  if (text.trim() !== '' && !hasInk(data)) throw fontMissing(font.file, 'Pango drew no glyphs with it');
  return { data, width: info.width, height: info.height };
}

function hasInk(rgba: Buffer): boolean {
  for (let i = 3; i < rgba.length; i += 4) if ((rgba[i] as number) > 0) return true;
  return false;
}

async function textOverlay(
  row: OverlayRow,
  layout: OverlayLayout,
  font: AnnotationFont,
): Promise<OverlayInput | undefined> {
  const { region, padding, rowHeight } = layout;
  const rendered = await renderText(row.text, layout.fontPx, font);
  // Clip to the panel: a long label or a small image must not spill outside the region the overlay owns.
  const maxWidth = region.width - 2 * padding;
  const offsetY = Math.max(0, Math.round((rowHeight - rendered.height) / 2));
  const top = row.top + offsetY;
  const maxHeight = Math.min(rowHeight, region.height - top);
  if (maxWidth <= 0 || maxHeight <= 0) return undefined;
  const width = Math.min(rendered.width, maxWidth);
  const height = Math.min(rendered.height, maxHeight);
  let input: Buffer = rendered.data;
  if (width !== rendered.width || height !== rendered.height) {
    input = await sharp(rendered.data, { raw: { width: rendered.width, height: rendered.height, channels: 4 } })
      .extract({ left: 0, top: 0, width, height })
      .raw()
      .toBuffer();
  }
  return { input, raw: { width, height, channels: 4 }, left: region.left + padding, top: region.top + top };
}

export interface AnnotatedRgb {
  /** Tightly packed rgb8 of the source's size. */
  readonly image: RawImage;
  /** The pixels the overlay may have changed; every other pixel equals the source's. */
  readonly region: Rect;
}

/**
 * Draws the top-k labels and scores (with bars) and the synthetic / emulator / unknown banners on an rgb8 image,
 * where `layout` says (default: layoutOverlay for the image's size). Throws 'font_missing' (see resolveAnnotationFont) and 'invalid_argument' for an image that is not rgb8.
 */
export async function drawOverlay(
  rgb: RawImage,
  content: AnnotationContent,
  font: AnnotationFont,
  layout?: OverlayLayout,
): Promise<AnnotatedRgb> {
  const { width, height } = assertRgb8(rgb, 'drawOverlay');
  const overlay = layout ?? layoutOverlay(width, height, content);
  const { region } = overlay;
  const texts = await Promise.all(overlay.rows.map((row) => textOverlay(row, overlay, font)));
  const composites: OverlayInput[] = [
    { input: panelSvg(overlay), left: region.left, top: region.top },
    ...texts.filter((t): t is OverlayInput => t !== undefined),
  ];
  try {
    const { data, info } = await sharp(rgb.data, {
      raw: { width, height, channels: 3 },
    })
      .composite(composites)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const image: RawImage = {
      kind: 'raw',
      width: info.width,
      height: info.height,
      encoding: 'rgb8',
      step: info.width * 3,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
    return { image, region };
  } catch (error) {
    throw new EdgenextError(ErrorCodes.invalidArgument, `cannot draw the overlay: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}
