/** `--annotate <dir>` and `--report <file>` on classify and replay. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { runClassify, type ClassifyCommandOptions } from '../../src/cli/commands/classify';
import { runReplayCommand, type OpenReplayClassifier } from '../../src/cli/commands/replay';
import { ResultViews } from '../../src/cli/resultViews';
import { readImageFile } from '../../src/image';
import { replayBag } from '../../src/replay';
import { openBag } from '../../src/bag';
import { decodeImageMessage } from '../../src/messages';
import { ensureEmulator, EXAMPLE_MODEL } from '../backends/bpu/emulator';
import { fakeClassifier } from '../replay/fakeClassifier';
import { writeGrayPng } from '../support/grayPng';
import { FIXTURE_IMAGES, REPO_ROOT } from '../support/paths';

const DEMO = path.join(REPO_ROOT, 'demo/edgenext_demo');
const tmp = mkdtempSync(path.join(tmpdir(), 'edgenext-views-'));
const openFake: OpenReplayClassifier = async () => ({ ...fakeClassifier(), close: async () => undefined });

function collector() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) }, out, err };
}

async function classify(inputs: string[], options: ClassifyCommandOptions) {
  const c = collector();
  const code = await runClassify(inputs, { modelDir: path.join(tmp, 'models'), ...options }, c.io);
  return { code, ...c };
}

async function firstFrameSize(bag: string): Promise<{ width?: number; height?: number }> {
  const reader = await openBag(bag);
  try {
    for await (const message of reader.readMessages()) {
      const { image } = decodeImageMessage(message.type, message.data);
      if (image.kind === 'compressed') return sharp(image.data).metadata();
      return image;
    }
    throw new Error('empty bag');
  } finally {
    await reader.close();
  }
}

function withFontFile<T>(file: string, run: () => Promise<T>): Promise<T> {
  const saved = process.env.EDGENEXT_FONT_FILE;
  process.env.EDGENEXT_FONT_FILE = file;
  return run().finally(() => {
    if (saved === undefined) delete process.env.EDGENEXT_FONT_FILE;
    else process.env.EDGENEXT_FONT_FILE = saved;
  });
}

describe('replay --annotate / --report', () => {
  it('writes one annotated JPEG per classified frame, of the frame size, and a report with every frame', async () => {
    const annotate = path.join(tmp, 'replay-annotated');
    const report = path.join(tmp, 'replay.html');
    const c = collector();
    const code = await runReplayCommand(DEMO, { maxSpeed: true, noOut: true, annotate, report }, c.io, openFake);
    expect(c.err).toEqual([`report: ${report}`]);
    expect(code).toBe(0);
    const files = readdirSync(annotate).sort();
    expect(files).toHaveLength(42);
    expect(files[0]).toMatch(/^camera_image_raw_compressed_\d+\.\d{9}\.jpg$/);
    const frame = await firstFrameSize(DEMO);
    const first = await sharp(path.join(annotate, files[0] as string)).metadata();
    expect([first.format, first.width, first.height]).toEqual(['jpeg', frame.width, frame.height]);
    const html = readFileSync(report, 'utf8');
    expect(html.match(/<div class="item">/g)).toHaveLength(42);
    expect(html).toContain('id="synthetic-banner"');
    expect(html).not.toContain('id="emulator-banner"');
    expect(html).toContain('No frame was dropped.');
    expect(html).toMatch(
      /<table id="topics">.*<td>\/camera\/image_raw\/compressed<\/td><td>sensor_msgs\/msg\/CompressedImage<\/td><td class="num">42<\/td><td class="num">42<\/td><td class="num">0<\/td>/,
    );
  });

  it('fails before replaying when the font is missing, naming the file', async () => {
    const c = collector();
    const annotate = path.join(tmp, 'never');
    const code = await withFontFile('/nowhere/DejaVuSans.ttf', () =>
      runReplayCommand(DEMO, { maxSpeed: true, noOut: true, annotate }, c.io, openFake),
    );
    expect(code).toBe(1);
    expect(c.err).toEqual([
      expect.stringMatching(
        /^edgenext replay: cannot draw annotations: font \/nowhere\/DejaVuSans\.ttf: ENOENT.*fonts-dejavu-core/,
      ),
    ]);
    expect(c.out).toEqual([]);
  });
});

describe('ResultViews', () => {
  it('keeps at most 200 items on the page by default and says that they are a sample', async () => {
    const reportFile = path.join(tmp, 'many.html');
    const views = await ResultViews.create({
      reportFile,
      title: 'many',
      card: { modelName: 'm', backend: 'onnx', syntheticWeights: false },
    });
    for (let i = 0; i < 250; i++)
      await views.add({
        name: `frame ${i}`,
        fileStem: `f${i}`,
        topK: [{ classId: 1, label: 'a', score: 0.5 }],
        unknown: false,
      });
    await views.writeReport([]);
    const html = readFileSync(reportFile, 'utf8');
    const shown = html.match(/<div class="item">/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(100);
    expect(shown).toBeLessThanOrEqual(200);
    expect(html).toContain(`Showing ${shown} of 250 (evenly sampled`);
    expect(html).toContain('<div class="name">frame 0</div>');
  });
});

describe('holding replay back while annotated files are written', () => {
  it('replayBag awaits beforeFeed before every frame', async () => {
    let fed = 0;
    let results = 0;
    let mostAhead = 0;
    const classifier = fakeClassifier();
    const summary = await replayBag(
      {
        bagPath: DEMO,
        pace: { mode: 'max_speed' },
        onResult: () => {
          results += 1;
        },
        // Lets a frame in only once every earlier frame has its result: at most one ahead.
        beforeFeed: async () => {
          while (results < fed) await new Promise((resolve) => setTimeout(resolve, 1));
          fed += 1;
          mostAhead = Math.max(mostAhead, fed - results);
        },
      },
      classifier,
    );
    expect(fed).toBe(42);
    expect(summary.classified).toBe(42);
    expect(mostAhead).toBe(1);
  });

  it('backpressure() waits for the queued drawings once `maxQueued` are waiting', async () => {
    const views = await ResultViews.create({
      annotateDir: path.join(tmp, 'held'),
      title: 't',
      card: { modelName: 'm', backend: 'onnx', syntheticWeights: true },
    });
    const jpeg = await readImageFile(path.join(FIXTURE_IMAGES, 'Zebra.jpg'));
    const classification = {
      source: '/cam',
      header: { stamp: { sec: 1, nanosec: 0 }, frameId: 'f' },
      topK: [{ classId: 1, label: 'a', score: 0.5 }],
      unknown: false,
      timings: { queueMs: 0, preprocessMs: 0, inferenceMs: 0, postprocessMs: 0, totalAgeMs: 1 },
    };
    for (let i = 0; i < 3; i++)
      views.enqueueReplayResult({ topic: '/cam', logTimeNs: BigInt(i), classification, image: jpeg });
    await views.backpressure(4);
    expect(views.annotated).toBeLessThan(3);
    await views.backpressure(3);
    expect(views.annotated).toBe(3);
    expect(await views.settle()).toEqual([]);
  });
});

describe('classify --annotate / --report', () => {
  it('writes annotated JPEGs and a report; failed inputs appear as errors; emulator results get their banner', async () => {
    const gray = path.join(tmp, 'gray.png');
    await writeGrayPng(gray);
    const broken = path.join(FIXTURE_IMAGES, 'edge');
    const annotate = path.join(tmp, 'classify-annotated');
    const report = path.join(tmp, 'classify.html');
    const { code, err } = await classify([gray, path.join(FIXTURE_IMAGES, 'Zebra.jpg'), broken], {
      backend: 'bpu',
      model: EXAMPLE_MODEL,
      bpuLib: ensureEmulator(),
      annotate,
      report,
    });
    const brokenCount = err.filter((l) => l.startsWith('error: ')).length;
    expect(brokenCount).toBeGreaterThan(0);
    expect(code).toBe(1);
    const written = readdirSync(annotate).sort();
    expect(written).toEqual(expect.arrayContaining(['Zebra.jpg', 'gray.jpg']));
    const meta = await sharp(path.join(annotate, 'gray.jpg')).metadata();
    expect([meta.width, meta.height]).toEqual([320, 240]);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('id="emulator-banner"');
    expect(html.match(/<div class="item">/g)?.length).toBe(written.length + brokenCount);
    expect(html.match(/<div class="error">/g)?.length).toBe(brokenCount);
    expect(html).toContain('<table id="errors">');
  });

  it('exits 1 with the font problem and writes nothing when the font is not a font', async () => {
    const notFont = path.join(tmp, 'not-a-font.ttf');
    writeFileSync(notFont, 'plain text');
    const annotate = path.join(tmp, 'no-font');
    const { code, err, out } = await withFontFile(notFont, () =>
      classify([path.join(FIXTURE_IMAGES, 'Zebra.jpg')], { annotate }),
    );
    expect(code).toBe(1);
    expect(err.at(-1)).toMatch(
      /^edgenext classify: cannot draw annotations: font .*not-a-font\.ttf: not a TrueType\/OpenType file/,
    );
    expect(out).toEqual([]);
  });
});
