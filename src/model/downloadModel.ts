import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import path from 'node:path';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import type { ModelEntry } from './modelCatalog';
import type { BackendKind } from './resolveModel';

/** Called as bytes arrive; `totalBytes` is the server's Content-Length, undefined when it sent none. */
export type DownloadProgress = (receivedBytes: number, totalBytes: number | undefined) => void;

export interface DownloadFileOptions {
  readonly url: string;
  /** Final path of the file; it only appears there once the whole body has arrived. */
  readonly destination: string;
  /** Replace an existing file. Default false: an existing non-empty file is kept and reported as `skipped`. */
  readonly force?: boolean;
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
}

const DEFAULT_STALL_TIMEOUT_MS = 30_000;

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

function openStream(file: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(file, { flags: 'wx' });
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

/**
 * Downloads `url` to `destination`: streams into a temporary file next to it (so a failed or interrupted
 * download never leaves a partial file under the real name), checks the HTTP status, that the body is not empty
 * and not a web page, and, when the server sent one, that its length matches Content-Length; then renames it into place.
 * Throws EdgenextError 'download_failed' with one line naming the URL (or the folder) and the reason: no network,
 * an HTTP error status, an interrupted body, a stall, an unwritable folder. The temporary file is removed on failure.
 */
export async function downloadFile(options: DownloadFileOptions): Promise<DownloadResult> {
  const { url, destination } = options;
  const fail = (reason: string, cause?: unknown): EdgenextError =>
    new EdgenextError(ErrorCodes.downloadFailed, `cannot download ${url}: ${reason}`, { cause });

  if (options.force !== true) {
    const existing = await fs.stat(destination).catch(() => undefined);
    if (existing?.isFile() === true && existing.size > 0) {
      return { path: destination, url, bytes: existing.size, skipped: true };
    }
  }
  const folder = path.dirname(destination);
  const temp = path.join(folder, `.${path.basename(destination)}.${randomBytes(4).toString('hex')}.part`);
  let stream: WriteStream;
  try {
    await fs.mkdir(folder, { recursive: true });
    // Opened before fetching, so an unwritable folder is reported before anything is downloaded.
    stream = await openStream(temp);
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
  let received = 0;
  try {
    armStallTimer();
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(url, { signal: abort.signal, redirect: 'follow' });
    } catch (error) {
      throw stalled ? fail(`no response within ${stallMs} ms`) : fail(networkReason(error), error);
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
    const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    if (response.body === null) throw fail('the server sent an empty file');
    options.onProgress?.(0, total);
    try {
      for await (const chunk of response.body) {
        armStallTimer();
        try {
          await writeChunk(stream, chunk);
        } catch (error) {
          throw new EdgenextError(ErrorCodes.downloadFailed, `cannot write ${temp}: ${writeReason(error)}`, {
            cause: error,
          });
        }
        received += chunk.length;
        options.onProgress?.(received, total);
      }
    } catch (error) {
      if (error instanceof EdgenextError) throw error;
      const why = stalled ? `no data for ${stallMs} ms` : networkReason(error);
      throw fail(`interrupted after ${received} bytes${total !== undefined ? ` of ${total}` : ''} (${why})`, error);
    }
    if (received === 0) throw fail('the server sent an empty file');
    if (total !== undefined && received !== total) {
      throw fail(`interrupted after ${received} of ${total} bytes`);
    }
    await closeStream(stream);
    await fs.rename(temp, destination);
    return { path: destination, url, bytes: received, skipped: false };
  } catch (error) {
    stream.destroy();
    await fs.rm(temp, { force: true }).catch(() => undefined);
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
    return { backend, file: files.file, url, destination: path.join(modelDir, files.file) };
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
