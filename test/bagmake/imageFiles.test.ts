import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listImageFrames } from '../../src/bagmake';
import { runBagInfo, runBagMake } from '../../src/cli/commands/bag';
import { collectImages } from '../../src/cli/commands/classify';
import { EXIT_FAILURE, EXIT_USAGE, type CommandIo } from '../../src/cli/commandIo';
import { IMAGE_FILE_EXTENSIONS } from '../../src/image';

describe('image files, one definition for classify and bag make', () => {
  it('both take the same files from a folder: every IMAGE_FILE_EXTENSIONS in any case, nothing else', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgenext-exts-'));
    const names = ['a.jpe', 'b.JPG', 'c.jpeg', 'd.png', 'e.webp', 'f.txt', 'g.gif', 'h.bmp'];
    for (const name of names) writeFileSync(path.join(dir, name), '');
    mkdirSync(path.join(dir, 'sub'));
    const expected = ['a.jpe', 'b.JPG', 'c.jpeg', 'd.png', 'e.webp'];
    expect(IMAGE_FILE_EXTENSIONS).toEqual(['.jpg', '.jpeg', '.jpe', '.png', '.webp']);
    expect((await collectImages([dir])).files.map((f) => path.basename(f))).toEqual(expected);
    expect((await listImageFrames([dir])).map((f) => path.basename(f.file))).toEqual(expected);
  });
});

describe('bag commands use the shared command I/O and exit codes', () => {
  function collector(): CommandIo & { out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, stdout: (l) => out.push(l), stderr: (l) => err.push(l) };
  }

  it('bag make: bad arguments exit EXIT_USAGE with one line', async () => {
    const io = collector();
    expect(await runBagMake(['x.jpg'], { output: 'o', storage: 'zip' }, io)).toBe(EXIT_USAGE);
    expect(io.err).toEqual(["edgenext bag make: --storage must be one of mcap, sqlite3, got 'zip'"]);
  });

  it('bag info: a missing bag exits EXIT_FAILURE naming it', async () => {
    const io = collector();
    const missing = path.join(tmpdir(), 'edgenext-no-such-bag');
    expect(await runBagInfo(missing, io)).toBe(EXIT_FAILURE);
    expect(io.err).toHaveLength(1);
    expect(io.err[0]).toContain(`${missing}: no such bag`);
  });
});
