import { openSync, readSync, closeSync } from 'node:fs';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';

/** Debian's fonts-dejavu-core (installed by .ci/run and the robot install in docs/ros.md). */
export const DEFAULT_FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
export const DEFAULT_FONT_FAMILY = 'DejaVu Sans';
/** Overrides the font file (a TrueType or OpenType file whose family is given by EDGENEXT_FONT_FAMILY). */
export const FONT_FILE_ENV = 'EDGENEXT_FONT_FILE';
export const FONT_FAMILY_ENV = 'EDGENEXT_FONT_FAMILY';

export interface AnnotationFont {
  /** Path of a TrueType / OpenType file, handed to Pango so that no fontconfig lookup can pick another font. */
  readonly file: string;
  /** The family inside that file (Pango selects by family among the fonts it knows). */
  readonly family: string;
}

// sfnt versions: TrueType 1.0, 'true' (Apple), 'OTTO' (CFF OpenType), 'ttcf' (collection).
const FONT_MAGICS = [
  [0x00, 0x01, 0x00, 0x00],
  [0x74, 0x72, 0x75, 0x65],
  [0x4f, 0x54, 0x54, 0x4f],
  [0x74, 0x74, 0x63, 0x66],
];

/**
 * The font the overlay is drawn with: `file`/`family` when given, else $EDGENEXT_FONT_FILE / $EDGENEXT_FONT_FAMILY,
 * else DejaVu Sans from fonts-dejavu-core. Checked here because Pango silently falls back to whatever font it finds
 * (or to none: boxes or nothing) when the file is missing. Throws EdgenextError 'font_missing' naming the path and the
 * package to install when the file is absent, unreadable or not a font.
 */
export function resolveAnnotationFont(options: { file?: string; family?: string } = {}): AnnotationFont {
  const file = options.file ?? nonEmpty(process.env[FONT_FILE_ENV]) ?? DEFAULT_FONT_FILE;
  const family = options.family ?? nonEmpty(process.env[FONT_FAMILY_ENV]) ?? DEFAULT_FONT_FAMILY;
  let head: Buffer;
  try {
    const fd = openSync(file, 'r');
    try {
      head = Buffer.alloc(4);
      if (readSync(fd, head, 0, 4, 0) !== 4) throw new Error('shorter than 4 bytes');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw fontMissing(file, errorMessage(error));
  }
  if (!FONT_MAGICS.some((magic) => magic.every((byte, i) => head[i] === byte))) {
    throw fontMissing(file, `not a TrueType/OpenType file (first bytes ${head.toString('hex')})`);
  }
  return { file, family };
}

export function fontMissing(file: string, reason: string): EdgenextError {
  return new EdgenextError(
    ErrorCodes.fontMissing,
    `cannot draw annotations: font ${file}: ${reason} (install Debian's fonts-dejavu-core, or set ${FONT_FILE_ENV})`,
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
