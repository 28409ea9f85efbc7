import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { EdgenextError, ErrorCodes } from '../core/errors';
import type { CompressedImage } from '../core/image';

/**
 * Reads an image file into a CompressedImage; `format` is the lower-case extension without the dot (decoding
 * sniffs the bytes anyway). Throws 'file_not_found' naming the path when it does not exist or is a directory,
 * 'decode_error' for other read failures.
 */
export async function readImageFile(filePath: string): Promise<CompressedImage> {
  try {
    const data = await readFile(filePath);
    const format = path.extname(filePath).slice(1).toLowerCase();
    return { kind: 'compressed', format, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new EdgenextError(ErrorCodes.fileNotFound, `image file not found: ${filePath}`, { cause: error });
    }
    throw new EdgenextError(ErrorCodes.decodeError, `cannot read image file ${filePath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
