import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { type CommandIo, runModelsDownload, runModelsList, runModelsVerify } from '../../src/cli/commands/models';
import { REPO_ROOT } from '../support/paths';
import { buildProgram } from '../../src/cli/main';
import { bodyFor, FILE_BYTES, startLocalServer, type LocalServer } from '../model/localServer';
import { collector } from '../support/collectIo';

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const WRONG_HASH = 'ba'.repeat(32);
const ZOO = 'https://archive.d-robotics.cc/downloads/rdk_model_zoo/rdk_x5';

describe('edgenext models download / list', () => {
  let server: LocalServer;
  let dir: string;
  beforeAll(async () => {
    server = await startLocalServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'edgenext-models-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('downloads both files of an alias from a mirror, then keeps them unless --force', async () => {
    const io = collector();
    const code = await runModelsDownload('xx_small', { modelDir: dir, baseUrl: `${server.origin}/ok` }, io);
    // The shipped catalogue pins no hashes (the zoo publishes none), so each new file gets the line to pin it.
    const catalog = path.join(REPO_ROOT, 'config', 'models.yaml');
    const hashOf = (name: string): string => sha256Of(bodyFor(name, FILE_BYTES));
    expect(io.err).toEqual([
      `downloading ${server.origin}/ok/edgenext_xx_small.onnx`,
      `warning: onnx edgenext_xx_small.onnx has no sha256 pinned in ${catalog}, so it is unverified; it has sha256 ${hashOf('edgenext_xx_small.onnx')} (add "sha256: ${hashOf('edgenext_xx_small.onnx')}" to its onnx entry to pin it)`,
      `downloading ${server.origin}/ok/EdgeNeXt_xx_small_224x224_nv12.bin`,
      `warning: bpu EdgeNeXt_xx_small_224x224_nv12.bin has no sha256 pinned in ${catalog}, so it is unverified; it has sha256 ${hashOf('EdgeNeXt_xx_small_224x224_nv12.bin')} (add "sha256: ${hashOf('EdgeNeXt_xx_small_224x224_nv12.bin')}" to its bpu entry to pin it)`,
    ]);
    expect(code).toBe(0);
    expect(io.out).toEqual([
      `onnx edgenext_xx_small.onnx: saved ${path.join(dir, 'edgenext_xx_small.onnx')} (293.0 KiB)`,
      `bpu EdgeNeXt_xx_small_224x224_nv12.bin: saved ${path.join(dir, 'EdgeNeXt_xx_small_224x224_nv12.bin')} (293.0 KiB)`,
    ]);
    expect(
      readFileSync(path.join(dir, 'edgenext_xx_small.onnx')).equals(bodyFor('edgenext_xx_small.onnx', FILE_BYTES)),
    ).toBe(true);

    const again = collector();
    expect(
      await runModelsDownload(
        'EdgeNeXt_xx_small',
        { modelDir: dir, backend: 'onnx', baseUrl: `${server.origin}/ok` },
        again,
      ),
    ).toBe(0);
    expect(again.out).toEqual([
      `onnx edgenext_xx_small.onnx: already present at ${path.join(dir, 'edgenext_xx_small.onnx')} (293.0 KiB); --force downloads it again`,
    ]);
    const requests = server.requests.length;
    const forced = collector();
    expect(
      await runModelsDownload(
        'small',
        { modelDir: dir, backend: 'bpu', force: true, baseUrl: `${server.origin}/ok/` },
        forced,
      ),
    ).toBe(0);
    expect(forced.out).toEqual([
      `bpu EdgeNeXt_small_224x224_nv12.bin: saved ${path.join(dir, 'EdgeNeXt_small_224x224_nv12.bin')} (293.0 KiB)`,
    ]);
    expect(server.requests.length).toBe(requests + 1);
  });

  it('shows a progress bar instead of the per-file lines when stderr is a terminal', async () => {
    const io = { ...collector(), interactive: true };
    expect(
      await runModelsDownload('xx_small', { modelDir: dir, backend: 'bpu', baseUrl: `${server.origin}/ok` }, io),
    ).toBe(0);
    expect(io.err).toEqual([
      expect.stringMatching(/^warning: bpu EdgeNeXt_xx_small_224x224_nv12\.bin has no sha256 pinned/),
    ]);
    expect(io.out).toEqual([
      `bpu EdgeNeXt_xx_small_224x224_nv12.bin: saved ${path.join(dir, 'EdgeNeXt_xx_small_224x224_nv12.bin')} (293.0 KiB)`,
    ]);
  });

  it('reports a 404 and a dropped connection in one line each, exits 1, and resumes the dropped file', async () => {
    const notFound = collector();
    expect(
      await runModelsDownload(
        'base',
        { modelDir: dir, backend: 'onnx', baseUrl: `${server.origin}/missing` },
        notFound,
      ),
    ).toBe(1);
    expect(notFound.out).toEqual([]);
    expect(notFound.err.slice(1)).toEqual([
      `edgenext models download: cannot download ${server.origin}/missing/edgenext_base.onnx: HTTP 404 Not Found`,
    ]);

    const dropped = collector();
    expect(
      await runModelsDownload('base', { modelDir: dir, backend: 'bpu', baseUrl: `${server.origin}/drop` }, dropped),
    ).toBe(1);
    expect(dropped.err).toHaveLength(2);
    expect(dropped.err[1]).toMatch(
      new RegExp(
        `^edgenext models download: cannot download ${server.origin}/drop/EdgeNeXt_base_224x224_nv12\\.bin: interrupted after \\d+ bytes of ${FILE_BYTES} .*; run it again to resume$`,
      ),
    );
    const kept = Number(/after (\d+) bytes/.exec(dropped.err[1] ?? '')?.[1]);
    expect(readdirSync(dir)).toEqual(['.EdgeNeXt_base_224x224_nv12.bin.part']);

    const resumed = collector();
    expect(
      await runModelsDownload('base', { modelDir: dir, backend: 'bpu', baseUrl: `${server.origin}/ok` }, resumed),
    ).toBe(0);
    expect(resumed.out).toEqual([
      `bpu EdgeNeXt_base_224x224_nv12.bin: saved ${path.join(dir, 'EdgeNeXt_base_224x224_nv12.bin')} (293.0 KiB, resumed after ${(kept / 1024).toFixed(1)} KiB)`,
    ]);
    expect(
      readFileSync(path.join(dir, 'EdgeNeXt_base_224x224_nv12.bin')).equals(
        bodyFor('EdgeNeXt_base_224x224_nv12.bin', FILE_BYTES),
      ),
    ).toBe(true);
    expect(readdirSync(dir)).toEqual(['EdgeNeXt_base_224x224_nv12.bin']);
  });

  describe('with hashes pinned in the catalogue', () => {
    const goodHash = (): string => sha256Of(bodyFor('edgenext_xx_small.onnx', FILE_BYTES));
    /** The shipped catalogue with xx_small's ONNX hash pinned, and small's pinned to a wrong value. */
    function pinnedCatalog(): string {
      const text = readFileSync(path.join(REPO_ROOT, 'config', 'models.yaml'), 'utf8')
        .replace('file: edgenext_xx_small.onnx', `file: edgenext_xx_small.onnx\n      sha256: ${goodHash()}`)
        .replace('file: edgenext_small.onnx', `file: edgenext_small.onnx\n      sha256: ${WRONG_HASH}`)
        .replace('labels: imagenet_labels.json', `labels: ${path.join(REPO_ROOT, 'config', 'imagenet_labels.json')}`);
      const file = path.join(dir, 'pinned.yaml');
      writeFileSync(file, text);
      return file;
    }

    it('verifies a download against the pinned sha256, with no warning', async () => {
      const catalog = pinnedCatalog();
      const models = path.join(dir, 'models');
      const io = collector();
      expect(
        await runModelsDownload(
          'xx_small',
          { catalog, modelDir: models, backend: 'onnx', baseUrl: `${server.origin}/ok` },
          io,
        ),
      ).toBe(0);
      expect(io.err).toEqual([`downloading ${server.origin}/ok/edgenext_xx_small.onnx`]);
      expect(io.out).toEqual([
        `onnx edgenext_xx_small.onnx: saved ${path.join(models, 'edgenext_xx_small.onnx')} (293.0 KiB, sha256 verified)`,
      ]);
    });

    it('refuses a file whose sha256 differs, names both hashes and keeps what the user had', async () => {
      const catalog = pinnedCatalog();
      const models = path.join(dir, 'models');
      const present = path.join(models, 'edgenext_small.onnx');
      mkdirSync(models);
      writeFileSync(present, 'my own build');
      const io = collector();
      expect(
        await runModelsDownload(
          'small',
          { catalog, modelDir: models, backend: 'onnx', force: true, baseUrl: `${server.origin}/ok` },
          io,
        ),
      ).toBe(1);
      expect(io.err[1]).toBe(
        `edgenext models download: cannot download ${server.origin}/ok/edgenext_small.onnx: sha256 mismatch: the catalogue pins ${WRONG_HASH}, ` +
          `the downloaded file has ${sha256Of(bodyFor('edgenext_small.onnx', FILE_BYTES))}; it was discarded and ${present} was not changed`,
      );
      expect(readFileSync(present, 'utf8')).toBe('my own build');
      expect(readdirSync(models)).toEqual(['edgenext_small.onnx']);
    });

    it('verify checks every present file: ok, mismatch, unpinned; exit 1 on a mismatch', async () => {
      const catalog = pinnedCatalog();
      const models = path.join(dir, 'models');
      mkdirSync(models);
      writeFileSync(path.join(models, 'edgenext_xx_small.onnx'), bodyFor('edgenext_xx_small.onnx', FILE_BYTES));
      writeFileSync(path.join(models, 'edgenext_small.onnx'), 'my own build');
      writeFileSync(path.join(models, 'EdgeNeXt_base_224x224_nv12.bin'), 'bin');
      const io = collector();
      expect(await runModelsVerify(undefined, { catalog, modelDir: models }, io)).toBe(1);
      expect(io.err).toEqual([]);
      expect(io.out).toEqual([
        `EdgeNeXt_xx_small onnx edgenext_xx_small.onnx: ok (sha256 ${goodHash()})`,
        `EdgeNeXt_small onnx edgenext_small.onnx: MISMATCH: the catalogue pins ${WRONG_HASH}, the file has ${sha256Of(Buffer.from('my own build'))} (left as it is; 'edgenext models download EdgeNeXt_small --backend onnx --force' replaces it)`,
        `EdgeNeXt_base bpu EdgeNeXt_base_224x224_nv12.bin: sha256 ${sha256Of(Buffer.from('bin'))} (not pinned in the catalogue: unverified)`,
        `3 files in ${models}: 1 verified, 1 mismatched, 1 without a pinned hash`,
      ]);
      expect(readFileSync(path.join(models, 'edgenext_small.onnx'), 'utf8')).toBe('my own build');

      const one = collector();
      expect(await runModelsVerify('xx_small', { catalog, modelDir: models }, one)).toBe(0);
      expect(one.out[one.out.length - 1]).toBe(
        `1 file in ${models}: 1 verified, 0 mismatched, 0 without a pinned hash`,
      );
      const unknown = collector();
      expect(await runModelsVerify('tiny', { catalog, modelDir: models }, unknown)).toBe(2);
    });
  });

  it('reports each file as it finishes, and goes on after a failure', async () => {
    writeFileSync(path.join(dir, 'EdgeNeXt_x_small_224x224_nv12.bin'), 'kept');
    const lines: string[] = [];
    const both: CommandIo = { stdout: (l) => lines.push(`out: ${l}`), stderr: (l) => lines.push(`err: ${l}`) };
    expect(await runModelsDownload('x_small', { modelDir: dir, baseUrl: `${server.origin}/missing` }, both)).toBe(1);
    expect(lines).toEqual([
      `err: downloading ${server.origin}/missing/edgenext_x_small.onnx`,
      `err: edgenext models download: cannot download ${server.origin}/missing/edgenext_x_small.onnx: HTTP 404 Not Found`,
      `err: downloading ${server.origin}/missing/EdgeNeXt_x_small_224x224_nv12.bin`,
      `out: bpu EdgeNeXt_x_small_224x224_nv12.bin: already present at ${path.join(dir, 'EdgeNeXt_x_small_224x224_nv12.bin')} (4 B); --force downloads it again`,
    ]);
  });

  it('reports an unwritable model folder', async () => {
    const file = path.join(dir, 'plain');
    writeFileSync(file, 'x');
    const io = collector();
    expect(
      await runModelsDownload('x_small', { modelDir: file, backend: 'onnx', baseUrl: `${server.origin}/ok` }, io),
    ).toBe(1);
    expect(io.err[io.err.length - 1]).toBe(
      `edgenext models download: cannot write to model folder ${file}: a part of the path is not a folder (choose another with --model-dir)`,
    );
  });

  it.each([
    [
      'tiny',
      {},
      'edgenext models download: unknown model "tiny" (known: EdgeNeXt_xx_small, EdgeNeXt_x_small, EdgeNeXt_small, EdgeNeXt_base)',
    ],
    ['small', { backend: 'gpu' }, 'edgenext models download: --backend must be one of onnx, bpu, all, got "gpu"'],
    [
      'small',
      { baseUrl: 'ftp://x' },
      'edgenext models download: --base-url must be an http:// or https:// URL, got "ftp://x"',
    ],
  ])('rejects bad arguments with exit 2: %s %j', async (name, options, message) => {
    const io = collector();
    expect(await runModelsDownload(name, { modelDir: dir, ...options }, io)).toBe(2);
    expect(io.err).toEqual([message]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names the catalogue problem when the catalogue is broken', async () => {
    const catalog = path.join(dir, 'models.yaml');
    writeFileSync(catalog, 'version: 2\n');
    const io = collector();
    expect(await runModelsDownload('small', { catalog, modelDir: dir }, io)).toBe(1);
    expect(io.err).toHaveLength(1);
    expect(io.err[0]).toMatch(new RegExp(`^edgenext models download: model catalogue ${catalog}: version: `));
  });

  it('list shows every entry with aliases, which files are present, and the URLs', async () => {
    writeFileSync(path.join(dir, 'edgenext_small.onnx'), Buffer.alloc(2048));
    const io = collector();
    expect(await runModelsList({ modelDir: dir }, io)).toBe(0);
    expect(io.err).toEqual([]);
    expect(io.out[1]).toBe(`model folder: ${dir}`);
    const small = io.out.indexOf('EdgeNeXt_small: input 224x224, resize letterbox, synthetic:small available');
    expect(small).toBeGreaterThan(0);
    expect(io.out.slice(small + 1, small + 6)).toEqual([
      '  aliases: small, edgenext_small',
      '  onnx edgenext_small.onnx: present (2.0 KiB)',
      `       ${ZOO}/edgenext_small.onnx`,
      '  bpu  EdgeNeXt_small_224x224_nv12.bin: missing',
      `       ${ZOO}/EdgeNeXt_small_224x224_nv12.bin`,
    ]);
    expect(io.out).toContain(
      'EdgeNeXt_xx_small (default): input 224x224, resize letterbox, synthetic:xx_small available',
    );
    expect(io.out.filter((line) => line.endsWith(': missing'))).toHaveLength(7);
  });

  it('is registered in the program: download through commander sets the exit code', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const previous = process.exitCode;
    try {
      await buildProgram().parseAsync(
        ['models', 'download', 'xx_small', '-b', 'onnx', '--model-dir', dir, '--base-url', `${server.origin}/ok`],
        { from: 'user' },
      );
      expect(process.exitCode).toBe(0);
      expect(readdirSync(dir)).toEqual(['edgenext_xx_small.onnx']);
      expect(stdout).toHaveBeenCalledWith(expect.stringMatching(/^onnx edgenext_xx_small\.onnx: saved /));
      await buildProgram().parseAsync(['models', 'download', 'xx_small', '-b', 'tpu'], { from: 'user' });
      expect(process.exitCode).toBe(2);
    } finally {
      process.exitCode = previous;
      stderr.mockRestore();
      stdout.mockRestore();
    }
  });
});
