import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EdgenextError } from '../../src/core/errors';
import { createHash } from 'node:crypto';
import { downloadFile, downloadModel, partialDownloadPath, planModelDownloads } from '../../src/model/downloadModel';
import { findModelEntry, loadModelCatalog, type ModelEntry } from '../../src/model/modelCatalog';
import { bodyFor, closedPort, FILE_BYTES, startLocalServer, type LocalServer } from './localServer';

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function failure(promise: Promise<unknown>): Promise<EdgenextError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EdgenextError) return error;
    throw error;
  }
  throw new Error('expected the download to fail');
}

describe('downloadFile against a local HTTP server', () => {
  let server: LocalServer;
  let dir: string;
  beforeAll(async () => {
    server = await startLocalServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'edgenext-download-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('saves the complete body under the final name, reporting progress up to the Content-Length', async () => {
    const destination = path.join(dir, 'sub', 'model.onnx');
    const progress: [number, number | undefined][] = [];
    const result = await downloadFile({
      url: `${server.origin}/ok/model.onnx`,
      destination,
      onProgress: (received, total) => progress.push([received, total]),
    });
    expect(result).toEqual({
      path: destination,
      url: `${server.origin}/ok/model.onnx`,
      bytes: FILE_BYTES,
      skipped: false,
      sha256: sha256Of(bodyFor('model.onnx', FILE_BYTES)),
      resumedBytes: 0,
    });
    expect(readFileSync(destination).equals(bodyFor('model.onnx', FILE_BYTES))).toBe(true);
    expect(progress[0]).toEqual([0, FILE_BYTES]);
    expect(progress[progress.length - 1]).toEqual([FILE_BYTES, FILE_BYTES]);
    const received = progress.map(([r]) => r);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(readdirSync(path.join(dir, 'sub'))).toEqual(['model.onnx']);
  });

  it('accepts a body without Content-Length', async () => {
    const destination = path.join(dir, 'c.bin');
    const progress: (number | undefined)[] = [];
    const result = await downloadFile({
      url: `${server.origin}/chunked/c.bin`,
      destination,
      onProgress: (_r, total) => progress.push(total),
    });
    expect(result.bytes).toBe(FILE_BYTES);
    expect(readFileSync(destination).equals(bodyFor('c.bin', FILE_BYTES))).toBe(true);
    expect(new Set(progress)).toEqual(new Set([undefined]));
  });

  it('keeps an existing file unless forced', async () => {
    const destination = path.join(dir, 'm.onnx');
    writeFileSync(destination, 'old');
    const kept = await downloadFile({ url: `${server.origin}/ok/m.onnx`, destination });
    expect(kept).toEqual({
      path: destination,
      url: `${server.origin}/ok/m.onnx`,
      bytes: 3,
      skipped: true,
      sha256: sha256Of(Buffer.from('old')),
      resumedBytes: 0,
    });
    expect(readFileSync(destination, 'utf8')).toBe('old');
    const replaced = await downloadFile({ url: `${server.origin}/ok/m.onnx`, destination, force: true });
    expect(replaced.skipped).toBe(false);
    expect(readFileSync(destination).equals(bodyFor('m.onnx', FILE_BYTES))).toBe(true);
  });

  it('reports a 404 with the URL and status, and leaves nothing behind', async () => {
    const url = `${server.origin}/missing/x.onnx`;
    const error = await failure(downloadFile({ url, destination: path.join(dir, 'x.onnx') }));
    expect(error.code).toBe('download_failed');
    expect(error.message).toBe(`cannot download ${url}: HTTP 404 Not Found`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a connection dropped mid-body with the bytes received, and keeps them for a resume', async () => {
    const url = `${server.origin}/drop/x.onnx`;
    const error = await failure(downloadFile({ url, destination: path.join(dir, 'x.onnx') }));
    expect(error.code).toBe('download_failed');
    expect(error.message).toMatch(
      new RegExp(
        `^cannot download ${url.replace(/\./g, '\\.')}: interrupted after \\d+ bytes of ${FILE_BYTES} \\(.*\\); run it again to resume$`,
      ),
    );
    const got = Number(/after (\d+) bytes/.exec(error.message)?.[1]);
    expect(got).toBeLessThan(FILE_BYTES);
    expect(readdirSync(dir)).toEqual(['.x.onnx.part']);
    expect(readFileSync(path.join(dir, '.x.onnx.part')).equals(bodyFor('x.onnx', FILE_BYTES).subarray(0, got))).toBe(
      true,
    );
  });

  it('resumes an interrupted download with a Range request and saves the whole file', async () => {
    const destination = path.join(dir, 'x.onnx');
    const error = await failure(downloadFile({ url: `${server.origin}/drop/x.onnx`, destination }));
    const got = Number(/after (\d+) bytes/.exec(error.message)?.[1]);
    expect(got).toBeGreaterThan(0);
    const progress: number[] = [];
    const result = await downloadFile({
      url: `${server.origin}/ok/x.onnx`,
      destination,
      sha256: sha256Of(bodyFor('x.onnx', FILE_BYTES)),
      onProgress: (received) => progress.push(received),
    });
    expect(server.ranges[server.ranges.length - 1]).toBe(`bytes=${got}-`);
    expect(result).toMatchObject({ bytes: FILE_BYTES, resumedBytes: got, skipped: false });
    expect(progress[0]).toBe(got);
    expect(readFileSync(destination).equals(bodyFor('x.onnx', FILE_BYTES))).toBe(true);
    expect(readdirSync(dir)).toEqual(['x.onnx']);
  });

  it('starts over when the server ignores Range, or cannot continue the kept bytes (416)', async () => {
    const destination = path.join(dir, 'y.onnx');
    writeFileSync(partialDownloadPath(destination), bodyFor('y.onnx', FILE_BYTES).subarray(0, 1000));
    const ignored = await downloadFile({ url: `${server.origin}/norange/y.onnx`, destination });
    expect(server.ranges[server.ranges.length - 1]).toBe('bytes=1000-');
    expect(ignored).toMatchObject({ bytes: FILE_BYTES, resumedBytes: 0 });
    expect(readFileSync(destination).equals(bodyFor('y.onnx', FILE_BYTES))).toBe(true);

    const other = path.join(dir, 'z.onnx');
    writeFileSync(partialDownloadPath(other), Buffer.alloc(FILE_BYTES + 10, 7));
    const restarted = await downloadFile({ url: `${server.origin}/ok/z.onnx`, destination: other });
    expect(server.ranges.slice(-2)).toEqual([`bytes=${FILE_BYTES + 10}-`, undefined]);
    expect(restarted).toMatchObject({ bytes: FILE_BYTES, resumedBytes: 0 });
    expect(readFileSync(other).equals(bodyFor('z.onnx', FILE_BYTES))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['y.onnx', 'z.onnx']);
  });

  it('discards a download whose sha256 differs from the pinned one, naming both, and keeps the old file', async () => {
    const destination = path.join(dir, 'm.onnx');
    writeFileSync(destination, 'previous');
    const pinned = 'ab'.repeat(32);
    const url = `${server.origin}/ok/m.onnx`;
    const error = await failure(downloadFile({ url, destination, force: true, sha256: pinned }));
    expect(error.message).toBe(
      `cannot download ${url}: sha256 mismatch: the catalogue pins ${pinned}, the downloaded file has ` +
        `${sha256Of(bodyFor('m.onnx', FILE_BYTES))}; it was discarded and ${destination} was not changed`,
    );
    expect(readFileSync(destination, 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['m.onnx']);

    // Without --force the present file is checked, reported, and left alone.
    const kept = await failure(downloadFile({ url, destination, sha256: pinned }));
    expect(kept.message).toBe(
      `${destination} is present but its sha256 is ${sha256Of(Buffer.from('previous'))}, and the catalogue pins ${pinned}; it was left as it is (--force downloads it again)`,
    );
    expect(readFileSync(destination, 'utf8')).toBe('previous');
  });

  it('does not replace an existing file when a forced download fails', async () => {
    const destination = path.join(dir, 'x.onnx');
    writeFileSync(destination, 'previous');
    await failure(downloadFile({ url: `${server.origin}/drop/x.onnx`, destination, force: true }));
    expect(readFileSync(destination, 'utf8')).toBe('previous');
    expect(readdirSync(dir).sort()).toEqual(['.x.onnx.part', 'x.onnx']);
  });

  it('refuses an empty body', async () => {
    const url = `${server.origin}/empty/e.onnx`;
    const error = await failure(downloadFile({ url, destination: path.join(dir, 'e.onnx') }));
    expect(error.message).toBe(`cannot download ${url}: the server sent an empty file`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a web page served instead of the file (captive portal)', async () => {
    const url = `${server.origin}/html/p.onnx`;
    const error = await failure(downloadFile({ url, destination: path.join(dir, 'p.onnx') }));
    expect(error.message).toBe(`cannot download ${url}: the server sent a web page (text/html), not a model file`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives up on a server that stops sending, after the stall timeout', async () => {
    const url = `${server.origin}/stall/s.onnx`;
    // 1 s: the response headers must arrive within the stall timeout even on a loaded CI machine.
    const error = await failure(downloadFile({ url, destination: path.join(dir, 's.onnx'), stallTimeoutMs: 1000 }));
    expect(error.message).toBe(
      `cannot download ${url}: interrupted after 100 bytes of ${FILE_BYTES} (no data for 1000 ms); run it again to resume`,
    );
    expect(readdirSync(dir)).toEqual(['.s.onnx.part']);
  });

  it('says the connection was refused when nothing listens (no network)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/ok/x.onnx`;
    const error = await failure(downloadFile({ url, destination: path.join(dir, 'x.onnx') }));
    expect(error.message).toBe(`cannot download ${url}: connection refused (no network, or the server is down)`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names an unknown host as a DNS / no-network problem (injected fetch)', async () => {
    const dnsFailure = (): Promise<Response> =>
      Promise.reject(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('getaddrinfo ENOTFOUND archive.example'), { code: 'ENOTFOUND' }),
        }),
      );
    const url = 'https://archive.example/x.onnx';
    const error = await failure(downloadFile({ url, destination: path.join(dir, 'x.onnx'), fetch: dnsFailure }));
    expect(error.message).toBe(
      `cannot download ${url}: host not found (no network or DNS): getaddrinfo ENOTFOUND archive.example`,
    );
  });

  it('reports an unwritable model folder before fetching anything', async () => {
    const notAFolder = path.join(dir, 'file');
    writeFileSync(notAFolder, 'x');
    const before = server.requests.length;
    const error = await failure(
      downloadFile({ url: `${server.origin}/ok/x.onnx`, destination: path.join(notAFolder, 'models', 'x.onnx') }),
    );
    expect(error.code).toBe('download_failed');
    expect(error.message).toBe(
      `cannot write to model folder ${path.join(notAFolder, 'models')}: a part of the path is not a folder (choose another with --model-dir)`,
    );
    expect(server.requests.length).toBe(before);
  });
});

describe('planModelDownloads / downloadModel', () => {
  const catalog = loadModelCatalog();
  const entry = findModelEntry(catalog, 'xx_small') as ModelEntry;

  it('uses the catalogue URLs, or a mirror folder with the same file names', () => {
    expect(planModelDownloads(entry, ['onnx', 'bpu'], '/m')).toEqual([
      {
        backend: 'onnx',
        file: 'edgenext_xx_small.onnx',
        url: 'https://archive.d-robotics.cc/downloads/rdk_model_zoo/rdk_x5/edgenext_xx_small.onnx',
        destination: '/m/edgenext_xx_small.onnx',
      },
      {
        backend: 'bpu',
        file: 'EdgeNeXt_xx_small_224x224_nv12.bin',
        url: 'https://archive.d-robotics.cc/downloads/rdk_model_zoo/rdk_x5/EdgeNeXt_xx_small_224x224_nv12.bin',
        destination: '/m/EdgeNeXt_xx_small_224x224_nv12.bin',
      },
    ]);
    expect(planModelDownloads(entry, ['bpu'], '/m', 'http://mirror.local/zoo')[0]?.url).toBe(
      'http://mirror.local/zoo/EdgeNeXt_xx_small_224x224_nv12.bin',
    );
  });

  it('refuses an entry without a URL or without the backend, naming it', () => {
    const noUrl: ModelEntry = { ...entry, name: 'Mine', onnx: { ...entry.onnx!, file: 'mine.onnx', url: undefined } };
    expect(() => planModelDownloads(noUrl, ['onnx'], '/m')).toThrow(
      'model Mine (onnx) has no url in the catalogue; put mine.onnx into /m yourself',
    );
    const { bpu: _bpu, ...withoutBpu } = entry;
    expect(() => planModelDownloads(withoutBpu, ['bpu'], '/m')).toThrow(
      'model EdgeNeXt_xx_small has no bpu file in the catalogue',
    );
  });

  it('fetches each file, goes on after a failure and reports each outcome', async () => {
    const server = await startLocalServer();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'edgenext-download-'));
    try {
      const started: string[] = [];
      const outcomes = await downloadModel(entry, {
        backends: ['onnx', 'bpu'],
        modelDir: dir,
        baseUrl: `${server.origin}/ok/`,
        onStart: (d) => started.push(d.backend),
      });
      expect(started).toEqual(['onnx', 'bpu']);
      expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
      expect(readdirSync(dir).sort()).toEqual(['EdgeNeXt_xx_small_224x224_nv12.bin', 'edgenext_xx_small.onnx']);
      expect(
        readFileSync(path.join(dir, 'edgenext_xx_small.onnx')).equals(bodyFor('edgenext_xx_small.onnx', FILE_BYTES)),
      ).toBe(true);

      rmSync(path.join(dir, 'edgenext_xx_small.onnx'));
      const mixed = await downloadModel(entry, {
        backends: ['onnx', 'bpu'],
        modelDir: dir,
        baseUrl: `${server.origin}/missing`,
      });
      expect(mixed[0]?.ok).toBe(false);
      expect(mixed[0]?.ok === false && mixed[0].error.message).toBe(
        `cannot download ${server.origin}/missing/edgenext_xx_small.onnx: HTTP 404 Not Found`,
      );
      // The .bin is present already, so it is reported as kept without a request.
      expect(mixed[1]?.ok === true && mixed[1].result.skipped).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await server.close();
    }
  });
});
