import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CommandIo, runModelsDownload, runModelsList } from '../../src/cli/commands/models';
import { buildProgram } from '../../src/cli/main';
import { bodyFor, FILE_BYTES, startLocalServer, type LocalServer } from '../model/localServer';

function collector(): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (line) => out.push(line), stderr: (line) => err.push(line) };
}

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
    expect(io.err).toEqual([
      `downloading ${server.origin}/ok/edgenext_xx_small.onnx`,
      `downloading ${server.origin}/ok/EdgeNeXt_xx_small_224x224_nv12.bin`,
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
    expect(io.err).toEqual([]);
    expect(io.out).toEqual([
      `bpu EdgeNeXt_xx_small_224x224_nv12.bin: saved ${path.join(dir, 'EdgeNeXt_xx_small_224x224_nv12.bin')} (293.0 KiB)`,
    ]);
  });

  it('reports a 404 and a dropped connection in one line each, exits 1 and leaves no partial file', async () => {
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
        `^edgenext models download: cannot download ${server.origin}/drop/EdgeNeXt_base_224x224_nv12\\.bin: interrupted after \\d+ bytes of ${FILE_BYTES}`,
      ),
    );
    expect(readdirSync(dir)).toEqual([]);
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
