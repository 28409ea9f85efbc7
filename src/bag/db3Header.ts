import { open } from 'node:fs/promises';

/** What the 100-byte SQLite file header says about the file's length (https://sqlite.org/fileformat.html §1.3). */
export interface Db3Header {
  readonly pageSize: number;
  /** Page size less the bytes reserved at the end of every page (header byte 20). */
  readonly usableSize: number;
  /** Pages the header says the database has; undefined when that field is not valid (SQLite then trusts the file size). */
  readonly pages: number | undefined;
}

export const DB3_HEADER_BYTES = 100;

/** Page size field: a power of two from 512 to 32768, or 1 for 65536. */
function pageSizeOf(field: number): number | undefined {
  const size = field === 1 ? 65536 : field;
  return size >= 512 && size <= 65536 && (size & (size - 1)) === 0 ? size : undefined;
}

/** The header of `file`, or undefined when the file is too short to hold one or its page size is invalid. */
export async function readDb3Header(file: string): Promise<Db3Header | undefined> {
  const handle = await open(file, 'r');
  try {
    const bytes = Buffer.alloc(DB3_HEADER_BYTES);
    const { bytesRead } = await handle.read(bytes, 0, DB3_HEADER_BYTES, 0);
    if (bytesRead < DB3_HEADER_BYTES) return undefined;
    const pageSize = pageSizeOf(bytes.readUInt16BE(16));
    if (pageSize === undefined) return undefined;
    // The in-header size counts only when the version-valid-for number matches the change counter (files written
    // by SQLite before 3.7.0 leave it stale), and when it is not zero.
    const pages = bytes.readUInt32BE(28);
    const valid = pages > 0 && bytes.readUInt32BE(92) === bytes.readUInt32BE(24);
    const usableSize = pageSize - (bytes[20] as number);
    if (usableSize < 480) return undefined;
    return { pageSize, usableSize, pages: valid ? pages : undefined };
  } finally {
    await handle.close();
  }
}

/**
 * Whether a file of `size` bytes is shorter than its header says, or ends inside a page. SQLite refuses the first
 * ("database disk image is malformed") and reads the missing part of a partial last page as zeros, silently.
 */
export function isTruncated(header: Db3Header, size: number): boolean {
  if (size % header.pageSize !== 0) return true;
  return header.pages !== undefined && header.pages * header.pageSize > size;
}
