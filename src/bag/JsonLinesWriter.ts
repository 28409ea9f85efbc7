import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';

/** JSON with bigint values written as decimal strings (ns stamps exceed 2^53). */
function toJsonLine(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`;
}

/** Writes one JSON object per line, respecting the stream's back-pressure. */
export class JsonLinesWriter {
  readonly file: string;
  readonly #stream: WriteStream;
  #error: Error | undefined;

  private constructor(file: string, stream: WriteStream) {
    this.file = file;
    this.#stream = stream;
    stream.on('error', (error) => {
      this.#error = error;
    });
  }

  /** Creates (or truncates) `file`, making its folder. Throws EdgenextError 'invalid_argument' when it cannot be opened. */
  static async create(file: string): Promise<JsonLinesWriter> {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    const stream = createWriteStream(file);
    try {
      await once(stream, 'open');
    } catch (error) {
      throw new EdgenextError(ErrorCodes.invalidArgument, `${file}: cannot write results (${errorMessage(error)})`, {
        cause: error,
      });
    }
    return new JsonLinesWriter(file, stream);
  }

  async write(value: unknown): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    if (!this.#stream.write(toJsonLine(value))) await once(this.#stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.#stream.closed) return;
    this.#stream.end();
    await once(this.#stream, 'finish');
    if (this.#error !== undefined) throw this.#error;
  }
}
