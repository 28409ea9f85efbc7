import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import path from 'node:path';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import type { ModelEntry } from './modelCatalog';
import type { BackendKind } from './resolveModel';
import { hashFileInto, sha256File } from './sha256File';

/** Called as bytes arrive; `totalBytes` is the server's Content-Length, undefined when it sent none. */
export type DownloadProgress = (receivedBytes: number, totalBytes: number | undefined) => void;

export interface DownloadFileOptions {
  readonly url: string;
  /** Final path of the file; it only appears there once the whole body has arrived (and matched `sha256`). */
  readonly destination: string;
  /** Replace an existing file. Default false: an existing non-empty file is kept and reported as `skipped`. */
  readonly force?: boolean;
  /**
   * Pinned SHA-256 (hex) of the file. A download whose hash differs is discarded and the destination is not touched;
   * a kept file whose hash differs is reported (and left as it is).
   */
  readonly sha256?: string;
  /** The fetch implementation. Default: Node's global fetch. */
  readonly fetch?: typeof fetch;
  readonly onProgress?: DownloadProgress;
  /**
   * Longest time without receiving a byte (connecting included) before the download is abandoned, in
   * milliseconds. Default 30000.
   */
  readonly stallTimeoutMs?: number;
}

export interface DownloadResult {
  readonly path: string;
  readonly url: string;
  readonly bytes: number;
  /** True when the file was already there and `force` was not set; nothing was fetched. */
  readonly skipped: boolean;
  /** SHA-256 (lower-case hex) of the file now at `path`. */
  readonly sha256: string;
  /** Bytes kept from an earlier interrupted download and not fetched again (0 when it started from scratch). */
  readonly resumedBytes: number;
}

const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** `.<name>.part` beside the destination: where an unfinished download waits to be resumed. */
export function partialDownloadPath(destination: string): string {
  return path.join(path.dirname(destination), `.${path.basename(destination)}.part`);
}

/** Network failure causes (undici puts the socket error in `cause`) in the words a user can act on. */
/** `.message` of an error from any realm (fetch's errors are not `instanceof Error` inside a vm context such as jest). */
function messageOf(value: unknown): string {
  const message = (value as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : errorMessage(value);
}

function networkReason(error: unknown): string {
  const outerCause = (error as { cause?: unknown } | null)?.cause;
  const cause = outerCause !== undefined && outerCause !== null ? outerCause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (no network or DNS): ${messageOf(cause)}`;
    case 'ECONNREFUSED':
      return 'connection refused (no network, or the server is down)';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return 'no network (host unreachable)';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `connection lost (${messageOf(cause)})`;
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'connection timed out';
    default:
      return messageOf(cause);
  }
}

function writeReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a part of the path is not a folder';
  return messageOf(error);
}

function openStream(file: string, flags: 'a' | 'w'): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(file, { flags });
    stream.once('open', () => resolve(stream));
    stream.once('error', reject);
  });
}

function writeChunk(stream: WriteStream, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** Size of a regular file, or 0 when there is none. */
async function sizeOf(file: string): Promise<number> {
  const stat = await fs.stat(file).catch(() => undefined);
  return stat?.isFile() === true ? stat.size : 0;
}

/** `Content-Range: bytes <start>-<end>/<total|*>` of a 206 answer. */
function parseContentRange(header: string | null): { start: number; total: number | undefined } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (match === null) return undefined;
  return { start: Number(match[1]), total: match[3] === '*' ? undefined : Number(match[3]) };
}

/**
 * Downloads `url` to `destination`. The body streams into `.<name>.part` beside it; an interrupted download keeps
 * that file, and the next call asks the server for the rest with an HTTP Range request (a server that ignores
 * Range sends the whole file, which then replaces the partial one). The file takes its final name only when it is
 * complete, its length matches the server's, and its SHA-256 equals `sha256` when one is pinned; a mismatch
 * discards the download, names both hashes and leaves an existing destination untouched.
 * Throws EdgenextError 'download_failed' with one line naming the URL (or the folder) and the reason: no network,
 * an HTTP error status, a web page instead of the file, an interrupted body, a stall, an unwritable folder, a hash
 * mismatch.
 */
export async function downloadFile(options: DownloadFileOptions): Promise<DownloadResult> {
  const { url, destination } = options;
  const expected = options.sha256?.toLowerCase();
  const fail = (reason: string, cause?: unknown): EdgenextError =>
    new EdgenextError(ErrorCodes.downloadFailed, `cannot download ${url}: ${reason}`, { cause });

  if (options.force !== true) {
    const existing = await fs.stat(destination).catch(() => undefined);
    if (existing?.isFile() === true && existing.size > 0) {
      const actual = await sha256File(destination);
      if (expected !== undefined && actual !== expected) {
        throw new EdgenextError(
          ErrorCodes.downloadFailed,
          `${destination} is present but its sha256 is ${actual}, and the catalogue pins ${expected}; it was left as it is (--force downloads it again)`,
        );
      }
      return { path: destination, url, bytes: existing.size, skipped: true, sha256: actual, resumedBytes: 0 };
    }
  }
  const folder = path.dirname(destination);
  const partial = partialDownloadPath(destination);
  try {
    await fs.mkdir(folder, { recursive: true });
    // Opened before fetching, so an unwritable folder is reported before anything is downloaded.
    await closeStream(await openStream(partial, 'a'));
  } catch (error) {
    throw new EdgenextError(
      ErrorCodes.downloadFailed,
      `cannot write to model folder ${folder}: ${writeReason(error)} (choose another with --model-dir)`,
      { cause: error },
    );
  }

  const abort = new AbortController();
  const stallMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const armStallTimer = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      abort.abort();
    }, stallMs);
  };
  const request = async (from: number): Promise<Response> => {
    try {
      return await (options.fetch ?? fetch)(url, {
        signal: abort.signal,
        redirect: 'follow',
        ...(from > 0 ? { headers: { range: `bytes=${from}-` } } : {}),
      });
    } catch (error) {
      throw stalled ? fail(`no response within ${stallMs} ms`) : fail(networkReason(error), error);
    }
  };
  let stream: WriteStream | undefined;
  let received = 0;
  try {
    armStallTimer();
    let resumeFrom = await sizeOf(partial);
    let response = await request(resumeFrom);
    if (resumeFrom > 0 && response.status === 416) {
      // The kept bytes are not a prefix the server can continue (the file changed or was complete): start over.
      await response.body?.cancel().catch(() => undefined);
      resumeFrom = 0;
      response = await request(0);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw fail(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    // A captive portal or an error page answers 200 with HTML; saving that under a model's name helps no one.
    if (/^text\/html\b/i.test(response.headers.get('content-type') ?? '')) {
      await response.body?.cancel().catch(() => undefined);
      throw fail('the server sent a web page (text/html), not a model file');
    }
    const lengthHeader = response.headers.get('content-length');
    const length = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    let total: number | undefined;
    if (resumeFrom > 0 && response.status === 206) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (range?.start !== resumeFrom) {
        await response.body?.cancel().catch(() => undefined);
        await fs.rm(partial, { force: true });
        throw fail(
          `the server answered the resume request for bytes ${resumeFrom}- with "${response.headers.get('content-range') ?? 'no Content-Range'}"; the partial file was removed, run the download again`,
        );
      }
      total = range.total ?? (length !== undefined ? resumeFrom + length : undefined);
    } else {
      // 200: the whole file, because nothing was kept or the server ignores Range.
      resumeFrom = 0;
      total = length;
    }
    if (response.body === null) throw fail('the server sent an empty file');

    const hash = createHash('sha256');
    if (resumeFrom > 0) await hashFileInto(hash, partial);
    stream = await openStream(partial, resumeFrom > 0 ? 'a' : 'w');
    received = resumeFrom;
    options.onProgress?.(received, total);
    try {
      for await (const chunk of response.body) {
        armStallTimer();
        try {
          await writeChunk(stream, chunk);
        } catch (error) {
          throw new EdgenextError(ErrorCodes.downloadFailed, `cannot write ${partial}: ${writeReason(error)}`, {
            cause: error,
          });
        }
        hash.update(chunk);
        received += chunk.length;
        options.onProgress?.(received, total);
      }
    } catch (error) {
      if (error instanceof EdgenextError) throw error;
      const why = stalled ? `no data for ${stallMs} ms` : networkReason(error);
      throw fail(
        `interrupted after ${received} bytes${total !== undefined ? ` of ${total}` : ''} (${why}); run it again to resume`,
        error,
      );
    }
    await closeStream(stream);
    if (received === 0) throw fail('the server sent an empty file');
    if (total !== undefined && received !== total) {
      throw fail(`interrupted after ${received} of ${total} bytes; run it again to resume`);
    }
    const actual = hash.digest('hex');
    if (expected !== undefined && actual !== expected) {
      await fs.rm(partial, { force: true });
      throw fail(
        `sha256 mismatch: the catalogue pins ${expected}, the downloaded file has ${actual}; it was discarded and ${destination} was not changed`,
      );
    }
    await fs.rename(partial, destination);
    return { path: destination, url, bytes: received, skipped: false, sha256: actual, resumedBytes: resumeFrom };
  } catch (error) {
    stream?.destroy();
    // Kept bytes are worth a resume; an empty partial file is only clutter.
    if ((await sizeOf(partial)) === 0) await fs.rm(partial, { force: true }).catch(() => undefined);
    if (error instanceof EdgenextError) throw error;
    throw new EdgenextError(ErrorCodes.downloadFailed, `cannot save ${destination}: ${writeReason(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

export interface ModelDownload {
  readonly backend: BackendKind;
  readonly file: string;
  readonly url: string;
  /** Where the file goes: the model folder joined with `file`. */
  readonly destination: string;
  /** The catalogue's pinned SHA-256, where it has one. */
  readonly sha256?: string;
}

/**
 * The downloads that `edgenext models download` makes for one catalogue entry. `baseUrl`, if given, replaces
 * each URL's folder (a mirror or a local server that has the same file names).
 * Throws EdgenextError 'invalid_config' naming the entry when it has no file or no URL for a requested backend.
 */
export function planModelDownloads(
  entry: ModelEntry,
  backends: readonly BackendKind[],
  modelDir: string,
  baseUrl?: string,
): ModelDownload[] {
  return backends.map((backend) => {
    const files = backend === 'bpu' ? entry.bpu : entry.onnx;
    if (files === undefined) {
      throw new EdgenextError(ErrorCodes.invalidConfig, `model ${entry.name} has no ${backend} file in the catalogue`);
    }
    let url = files.url;
    if (baseUrl !== undefined) {
      const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
      url = new URL(encodeURIComponent(path.basename(files.file)), base).toString();
    }
    if (url === undefined) {
      throw new EdgenextError(
        ErrorCodes.invalidConfig,
        `model ${entry.name} (${backend}) has no url in the catalogue; put ${files.file} into ${modelDir} yourself`,
      );
    }
    return {
      backend,
      file: files.file,
      url,
      destination: path.join(modelDir, files.file),
      ...(files.sha256 !== undefined ? { sha256: files.sha256 } : {}),
    };
  });
}

export interface DownloadModelOptions {
  /** Which files of the entry to fetch, in this order. */
  readonly backends: readonly BackendKind[];
  readonly modelDir: string;
  /** Mirror folder URL replacing the catalogue URLs' folder (see planModelDownloads). */
  readonly baseUrl?: string;
  readonly force?: boolean;
  readonly fetch?: typeof fetch;
  readonly stallTimeoutMs?: number;
  /** Called before each file starts (also for files that turn out to be present already). */
  readonly onStart?: (download: ModelDownload) => void;
  readonly onProgress?: (download: ModelDownload, receivedBytes: number, totalBytes: number | undefined) => void;
  /** Called as each file succeeds or fails, before the next one starts. */
  readonly onFinish?: (outcome: ModelDownloadOutcome) => void;
}

export type ModelDownloadOutcome =
  | { readonly download: ModelDownload; readonly ok: true; readonly result: DownloadResult }
  | { readonly download: ModelDownload; readonly ok: false; readonly error: EdgenextError };

/**
 * Fetches the entry's files one after another into the model folder. A failed file does not stop the others;
 * each outcome says what happened. Throws only for a catalogue problem (see planModelDownloads).
 */
export async function downloadModel(entry: ModelEntry, options: DownloadModelOptions): Promise<ModelDownloadOutcome[]> {
  const downloads = planModelDownloads(entry, options.backends, options.modelDir, options.baseUrl);
  const outcomes: ModelDownloadOutcome[] = [];
  for (const download of downloads) {
    options.onStart?.(download);
    const onProgress = options.onProgress;
    try {
      const result = await downloadFile({
        url: download.url,
        destination: download.destination,
        ...(download.sha256 !== undefined ? { sha256: download.sha256 } : {}),
        ...(options.force !== undefined ? { force: options.force } : {}),
        ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
        ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
        ...(onProgress !== undefined ? { onProgress: (r, t) => onProgress(download, r, t) } : {}),
      });
      outcomes.push({ download, ok: true, result });
    } catch (error) {
      const failure =
        error instanceof EdgenextError
          ? error
          : new EdgenextError(ErrorCodes.downloadFailed, `cannot download ${download.url}: ${errorMessage(error)}`);
      outcomes.push({ download, ok: false, error: failure });
    }
    options.onFinish?.(outcomes[outcomes.length - 1] as ModelDownloadOutcome);
  }
  return outcomes;
}
