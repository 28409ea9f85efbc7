import path from 'node:path';

/** File extensions edgenext reads as images (sharp decodes them; the format is sniffed from the bytes). */
export const IMAGE_FILE_EXTENSIONS = ['.jpg', '.jpeg', '.jpe', '.png', '.webp'] as const;

/** True when `name` has one of IMAGE_FILE_EXTENSIONS, in any case. */
export function isImageFileName(name: string): boolean {
  return (IMAGE_FILE_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}
