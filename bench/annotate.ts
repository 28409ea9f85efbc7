import { annotateFrame, annotateToJpeg, jpegThumbnail, resolveAnnotationFont } from '../src/annotate';
import type { RawImage } from '../src/core/image';
import { renderReportHtml, type ReportItem } from '../src/report';
import { timeAsync } from './preprocess';
import type { BenchSection } from './types';

const SIZES = [
  [640, 480],
  [1280, 720],
  [1920, 1080],
] as const;

const CONTENT = {
  topK: [
    { classId: 340, label: 'zebra', score: 0.61 },
    { classId: 9, label: 'ostrich, Struthio camelus', score: 0.2 },
    { classId: 3, label: 'tiger shark, Galeocerdo cuvieri', score: 0.1 },
    { classId: 290, label: 'jaguar, panther, Panthera onca, Felis onca', score: 0.05 },
    { classId: 1, label: 'goldfish, Carassius auratus', score: 0.01 },
  ],
  unknown: false,
  syntheticWeights: true,
};

function frame(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data.set([(x * 255) / width, (y * 255) / height, ((x ^ y) * 7) & 255], (y * width + x) * 3);
  return { kind: 'raw', width, height, encoding: 'bgr8', step: width * 3, data };
}

/** Iterations per measurement; EDGENEXT_BENCH_ANNOTATE_ITERATIONS shortens a check run. */
const ITERATIONS = Number(process.env.EDGENEXT_BENCH_ANNOTATE_ITERATIONS ?? 30);

export async function run(): Promise<BenchSection> {
  const font = resolveAnnotationFont();
  const rows: string[] = [];
  for (const [width, height] of SIZES) {
    const image = frame(width, height);
    const topic = await timeAsync(ITERATIONS, () => annotateFrame(image, CONTENT, font));
    const jpeg = await timeAsync(ITERATIONS, () => annotateToJpeg(image, CONTENT, font));
    const thumb = await timeAsync(ITERATIONS, () => jpegThumbnail(image));
    rows.push(`| ${width}×${height} bgr8 | ${topic.toFixed(1)} | ${jpeg.toFixed(1)} | ${thumb.toFixed(1)} |`);
  }
  const thumbnail = await jpegThumbnail(frame(640, 480));
  const items: ReportItem[] = Array.from({ length: 200 }, (_, i) => ({
    name: `/camera/image_raw @ ${1_700_000_000 + i}.000000000`,
    caption: `frame_id 'camera', ${(20 + (i % 7)).toFixed(1)} ms`,
    thumbnailJpeg: thumbnail,
    topK: CONTENT.topK,
    unknown: false,
  }));
  let html = '';
  const renderMs = await timeAsync(ITERATIONS, async () => {
    html = renderReportHtml({
      title: 'bench',
      generatedAt: new Date().toISOString(),
      modelCard: [{ key: 'modelName', value: 'bench' }],
      syntheticWeights: true,
      emulator: false,
      sections: [{ kind: 'items', title: 'Results', items, total: 10_000 }],
    });
  });
  return {
    title: 'Annotation and report (src/annotate, src/report)',
    markdown: [
      'Median ms per call, one at a time (sharp/libvips with its default threads), textured frames, top-5 with long',
      'labels and the synthetic-weights banner. "image topic" is what `~/image_annotated` does per published image',
      '(draw, and write back into the bgr8 frame); "JPEG file" is `--annotate`; "thumbnail" is one report item.',
      'The node draws at most `annotated_max_rate` (default 5) images per second, one at a time, after the result.',
      '',
      '| frame | image topic (ms) | JPEG file (ms) | thumbnail (ms) |',
      '|---|---|---|---|',
      ...rows,
      '',
      `Rendering a report page of 200 items with 160 px thumbnails: ${renderMs.toFixed(1)} ms, ` +
        `${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB (the page size is bounded by the 200-item sample).`,
    ].join('\n'),
  };
}
