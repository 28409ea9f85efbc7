import { readSync } from 'node:fs';

/** The rows of one table b-tree that a cut file still holds whole, in rowid order, and why the walk stopped. */
export interface WholeRows {
  readonly rowids: number[];
  /** Why the rows after these are not whole (undefined when the whole table is). */
  readonly stop: string | undefined;
}

export interface PageWalkFile {
  readonly fd: number;
  readonly pageSize: number;
  /** Page size less the reserved bytes at the end of each page (header byte 20). */
  readonly usableSize: number;
  /** Pages the file holds completely: page numbers above this are lost (or partly zeros, as SQLite reads them). */
  readonly completePages: number;
}

// https://sqlite.org/fileformat.html §1.6: b-tree page types and header sizes.
const TABLE_INTERIOR = 0x05;
const TABLE_LEAF = 0x0d;
/** SQLite's own bound on b-tree depth (BTCURSOR_MAX_DEPTH): a deeper walk is a loop in a damaged file. */
const MAX_DEPTH = 20;

class Stop extends Error {}

/**
 * Walks a table b-tree in the file itself, in key order, reading only pages the file holds completely, and lists
 * the rows whose every page (the interior pages above, the leaf, each overflow page of the data) is among them. It
 * stops at the first row that is not: SQLite, told to open such a file, would read the lost pages as zeros and return
 * them as data. Every page is read at most once, so a damaged tree (loops, wild page numbers) ends the walk too.
 */
export function wholeRows(file: PageWalkFile, rootPage: number): WholeRows {
  const { fd, pageSize, usableSize, completePages } = file;
  const rowids: number[] = [];
  const visited = new Set<number>();
  const word = Buffer.alloc(4);

  const claim = (page: number, what: string): void => {
    if (!Number.isInteger(page) || page < 1) throw new Stop(`its ${what} page number ${page} is invalid`);
    if (page > completePages) throw new Stop(`its ${what} page ${page} lies past the end of the file`);
    if (visited.has(page)) throw new Stop(`its ${what} page ${page} is used twice (damaged b-tree)`);
    visited.add(page);
  };
  const readPage = (page: number): Buffer => {
    const bytes = Buffer.alloc(pageSize);
    if (readSync(fd, bytes, 0, pageSize, (page - 1) * pageSize) !== pageSize) throw new Stop(`page ${page} is short`);
    return bytes;
  };
  const nextOverflow = (page: number): number => {
    if (readSync(fd, word, 0, 4, (page - 1) * pageSize) !== 4) throw new Stop(`overflow page ${page} is short`);
    return word.readUInt32BE(0);
  };

  /** Cell `i`'s offset, checked to lie inside the page. */
  const cellAt = (bytes: Buffer, pointers: number, i: number, page: number): number => {
    const at = bytes.readUInt16BE(pointers + 2 * i);
    if (at < pointers || at >= usableSize) throw new Stop(`cell ${i} of page ${page} points outside it`);
    return at;
  };

  const leaf = (bytes: Buffer, header: number, page: number): void => {
    const cells = bytes.readUInt16BE(header + 3);
    const pointers = header + 8;
    if (pointers + 2 * cells > usableSize) throw new Stop(`leaf page ${page} lists more cells than fit`);
    // Local payload bounds for table leaves (fileformat §1.6, "payload fraction").
    const maxLocal = usableSize - 35;
    const minLocal = Math.floor(((usableSize - 12) * 32) / 255) - 23;
    for (let i = 0; i < cells; i++) {
      let at = cellAt(bytes, pointers, i, page);
      const payload = varint(bytes, at, usableSize, page);
      at = payload.end;
      const rowid = varint(bytes, at, usableSize, page);
      at = rowid.end;
      let local = payload.value;
      if (payload.value > maxLocal) {
        const k = minLocal + ((payload.value - minLocal) % (usableSize - 4));
        local = k <= maxLocal ? k : minLocal;
      }
      if (at + local + (local < payload.value ? 4 : 0) > usableSize)
        throw new Stop(`cell ${i} of page ${page} overruns it`);
      if (local < payload.value) {
        let overflow = bytes.readUInt32BE(at + local);
        for (let left = payload.value - local; left > 0; left -= usableSize - 4) {
          claim(overflow, 'overflow');
          overflow = nextOverflow(overflow);
        }
      }
      const last = rowids[rowids.length - 1];
      if (last !== undefined && !(rowid.value > last)) throw new Stop(`its row ids stop increasing after ${last}`);
      rowids.push(rowid.value);
    }
  };

  const walk = (page: number, depth: number): void => {
    if (depth > MAX_DEPTH) throw new Stop(`its b-tree is deeper than SQLite allows (damaged)`);
    claim(page, depth === 0 ? 'root' : 'b-tree');
    const bytes = readPage(page);
    const header = page === 1 ? 100 : 0;
    const type = bytes[header];
    if (type === TABLE_LEAF) return leaf(bytes, header, page);
    if (type !== TABLE_INTERIOR) throw new Stop(`its page ${page} is not a table b-tree page (type ${type})`);
    const cells = bytes.readUInt16BE(header + 3);
    const pointers = header + 12;
    if (pointers + 2 * cells > usableSize) throw new Stop(`interior page ${page} lists more cells than fit`);
    for (let i = 0; i < cells; i++) walk(bytes.readUInt32BE(cellAt(bytes, pointers, i, page)), depth + 1);
    walk(bytes.readUInt32BE(header + 8), depth + 1);
  };

  try {
    walk(rootPage, 0);
    return { rowids, stop: undefined };
  } catch (error) {
    if (!(error instanceof Stop) && !(error instanceof RangeError)) throw error;
    return { rowids, stop: error.message };
  }
}

/** A SQLite varint (1 to 9 bytes, big-endian) at `at`; row ids above 2^53 count as damage. */
function varint(bytes: Buffer, at: number, end: number, page: number): { value: number; end: number } {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= end) throw new Stop(`a number on page ${page} runs past its end`);
    const byte = bytes[at + i] as number;
    if (i === 8) {
      value = value * 256 + byte;
    } else {
      value = value * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) return checked(value, at + i + 1, page);
    }
  }
  return checked(value, at + 9, page);
}

function checked(value: number, end: number, page: number): { value: number; end: number } {
  if (!Number.isSafeInteger(value)) throw new Stop(`a number on page ${page} is out of range (damaged)`);
  return { value, end };
}
