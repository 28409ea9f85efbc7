import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  annotateFrame,
  annotateToJpeg,
  BANNER_TEXTS,
  drawOverlay,
  jpegThumbnail,
  layoutOverlay,
  resolveAnnotationFont,
  type AnnotationContent,
  type Rect,
} from '../../src/annotate';
import type { RawImage } from '../../src/core/image';
import { readImageFile, rgbToEncoding, toRgb8 } from '../../src/image';
import { IMAGES } from '../image/fixtures';

const font = resolveAnnotationFont();

const CONTENT: AnnotationContent = {
  topK: [
    { classId: 340, label: 'zebra', score: 0.71 },
    { classId: 9, label: 'ostrich <b>&amp;', score: 0.2 },
    { classId: 3, label: 'tiger shark', score: 0.05 },
  ],
  unknown: false,
  syntheticWeights: false,
};

/** A deterministic textured rgb8 frame (a gradient), so that any changed pixel is visible in a comparison. */
function gradient(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set([(x * 7) & 255, (y * 5) & 255, (x + y) & 255], (y * width + x) * 3);
  return { kind: 'raw', width, height, encoding: 'rgb8', step: width * 3, data };
}

function inside(region: Rect, x: number, y: number): boolean {
  return x >= region.left && x < region.left + region.width && y >= region.top && y < region.top + region.height;
}

/** Pixels (rgb8) that differ between two images, split by whether they lie in `region`. */
function diffCounts(a: RawImage, b: RawImage, region: Rect): { inside: number; outside: number } {
  const counts = { inside: 0, outside: 0 };
  const ra = toRgb8(a);
  const rb = toRgb8(b);
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 3;
      if (ra.data[i] !== rb.data[i] || ra.data[i + 1] !== rb.data[i + 1] || ra.data[i + 2] !== rb.data[i + 2])
        counts[inside(region, x, y) ? 'inside' : 'outside']++;
    }
  return counts;
}

/** Near-white pixels (the text colour) in one horizontal band of an rgb8 image. */
function whitePixels(rgb: RawImage, top: number, height: number, left: number, width: number): number {
  let n = 0;
  for (let y = top; y < top + height; y++)
    for (let x = left; x < left + width; x++) {
      const i = y * rgb.step + x * 3;
      if ((rgb.data[i] as number) > 200 && (rgb.data[i + 1] as number) > 200 && (rgb.data[i + 2] as number) > 200) n++;
    }
  return n;
}

describe('annotateFrame', () => {
  it.each([
    ['rgb8', 0],
    ['bgr8', 6],
    ['rgba8', 0],
    ['bgra8', 4],
    ['mono8', 2],
  ])(
    'keeps %s (row padding %d) with its size, step and every pixel outside the drawn region',
    async (encoding, padding) => {
      const source = rgbToEncoding(gradient(320, 240), encoding, { rowPaddingBytes: padding });
      const { image, region } = await annotateFrame(source, CONTENT, font);
      expect({
        w: image.width,
        h: image.height,
        enc: image.encoding,
        step: image.step,
        len: image.data.length,
      }).toEqual({
        w: 320,
        h: 240,
        enc: encoding,
        step: source.step,
        len: source.data.length,
      });
      // Byte for byte outside the region (padding and alpha included).
      for (let y = 0; y < 240; y++) {
        const rowStart = y * source.step;
        if (y < region.top || y >= region.top + region.height) {
          expect(
            Buffer.compare(
              image.data.subarray(rowStart, rowStart + source.step),
              source.data.subarray(rowStart, rowStart + source.step),
            ),
          ).toBe(0);
        }
      }
      const diff = diffCounts(source, image, region);
      expect(diff.outside).toBe(0);
      expect(diff.inside).toBeGreaterThan((region.width * region.height) / 4);
    },
  );

  it('returns rgb8 of the same size for YUV and compressed sources', async () => {
    const nv12 = rgbToEncoding(gradient(320, 240), 'nv12');
    const fromNv12 = await annotateFrame(nv12, CONTENT, font);
    expect([fromNv12.image.encoding, fromNv12.image.width, fromNv12.image.height]).toEqual(['rgb8', 320, 240]);
    expect(diffCounts(toRgb8(nv12), fromNv12.image, fromNv12.region).outside).toBe(0);

    const jpeg = await readImageFile(path.join(IMAGES, 'Zebra.jpg'));
    const fromJpeg = await annotateFrame(jpeg, CONTENT, font);
    const meta = await sharp(jpeg.data).metadata();
    expect([fromJpeg.image.encoding, fromJpeg.image.width, fromJpeg.image.height]).toEqual([
      'rgb8',
      meta.width,
      meta.height,
    ]);
  });

  it('draws the text of every row: white glyphs where the labels go, different for a different label', async () => {
    const black: RawImage = { ...gradient(480, 360), data: new Uint8Array(480 * 360 * 3) };
    const content = { ...CONTENT, syntheticWeights: true, unknown: true, emulator: true };
    const { image, region } = await drawOverlay(black, content, font);
    const layout = layoutOverlay(480, 360, content);
    expect(layout.rows.map((r) => r.kind)).toEqual(['banner', 'banner', 'banner', 'score', 'score', 'score']);
    expect(layout.rows.slice(0, 3).map((r) => r.text)).toEqual([
      BANNER_TEXTS.synthetic,
      BANNER_TEXTS.emulator,
      BANNER_TEXTS.unknown,
    ]);
    for (const row of layout.rows) {
      const ink = whitePixels(image, region.top + row.top, layout.rowHeight, region.left, region.width);
      expect({ row: row.text, inked: ink > layout.fontPx * 4 }).toEqual({ row: row.text, inked: true });
    }
    // Below the last row only the panel's padding remains: no text there.
    const last = layout.rows.at(-1);
    const below = region.top + (last?.top ?? 0) + layout.rowHeight;
    expect(whitePixels(image, below, region.top + region.height - below, region.left, region.width)).toBe(0);

    // The label is really drawn: another label changes the pixels of its row only.
    const other = await drawOverlay(
      black,
      { ...content, topK: [{ ...CONTENT.topK[0]!, label: 'okapi' }, ...CONTENT.topK.slice(1)] },
      font,
    );
    const firstScore = layout.rows[3]!;
    const rowOf = (img: RawImage, top: number): Buffer =>
      Buffer.from(img.data.subarray((region.top + top) * img.step, (region.top + top + layout.rowHeight) * img.step));
    expect(rowOf(other.image, firstScore.top).equals(rowOf(image, firstScore.top))).toBe(false);
    expect(rowOf(other.image, layout.rows[4]!.top).equals(rowOf(image, layout.rows[4]!.top))).toBe(true);
  });

  it('clips to small images and still changes only pixels it owns', async () => {
    const small = gradient(40, 30);
    const { image, region } = await annotateFrame(small, CONTENT, font);
    expect([image.width, image.height]).toEqual([40, 30]);
    expect(region.left + region.width).toBeLessThanOrEqual(40);
    expect(region.top + region.height).toBeLessThanOrEqual(30);
    expect(diffCounts(small, image, region).outside).toBe(0);
  });

  it('writes JPEG files and thumbnails', async () => {
    const jpeg = await readImageFile(path.join(IMAGES, 'Zebra.jpg'));
    const annotated = await sharp(await annotateToJpeg(jpeg, CONTENT, font)).metadata();
    const source = await sharp(jpeg.data).metadata();
    expect([annotated.format, annotated.width, annotated.height]).toEqual(['jpeg', source.width, source.height]);
    const thumb = await sharp(await jpegThumbnail(jpeg, { maxSide: 64 })).metadata();
    expect(thumb.format).toBe('jpeg');
    expect(Math.max(thumb.width ?? 0, thumb.height ?? 0)).toBe(64);
  });
});

describe('resolveAnnotationFont', () => {
  it('names the missing file and the package to install', () => {
    expect(() => resolveAnnotationFont({ file: '/nonexistent/fonts/none.ttf' })).toThrow(
      expect.objectContaining({
        code: 'font_missing',
        message: expect.stringMatching(/font \/nonexistent\/fonts\/none\.ttf: ENOENT.*fonts-dejavu-core/),
      }),
    );
  });

  it('refuses a file that is not a font, and follows EDGENEXT_FONT_FILE', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgenext-font-'));
    const notFont = path.join(dir, 'fake.ttf');
    writeFileSync(notFont, 'hello, I am text');
    expect(() => resolveAnnotationFont({ file: notFont })).toThrow(
      /not a TrueType\/OpenType file \(first bytes 68656c6c\)/,
    );
    const saved = process.env.EDGENEXT_FONT_FILE;
    process.env.EDGENEXT_FONT_FILE = notFont;
    try {
      expect(() => resolveAnnotationFont()).toThrow(expect.objectContaining({ code: 'font_missing' }));
    } finally {
      if (saved === undefined) delete process.env.EDGENEXT_FONT_FILE;
      else process.env.EDGENEXT_FONT_FILE = saved;
    }
    expect(resolveAnnotationFont().file).toBe('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf');
  });
});
