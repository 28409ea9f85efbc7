/** Container formats recognised by their first bytes. */
export type SniffedFormat = 'jpeg' | 'png' | 'webp';

/**
 * Identifies JPEG (FF D8 FF), PNG (89 50 4E 47 0D 0A 1A 0A) and WebP (RIFF....WEBP) by magic bytes; undefined
 * for anything else. The bytes win over any format string a message or file name claims.
 */
export function sniffImageFormat(data: Uint8Array): SniffedFormat | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (data.length >= 8 && png.every((b, i) => data[i] === b)) return 'png';
  const ascii = (from: number, to: number): string => String.fromCharCode(...data.subarray(from, to));
  if (data.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return undefined;
}
