/**
 * ~/image_annotated through the rclnodejs double: off by default, nothing done without a subscriber, the source's
 * header / size / encoding, pixels changed only where the overlay goes, the label drawn, the rate limit, and a
 * failing font that leaves classification untouched and is counted.
 */
import type { RosDiagnosticArray, RosEdgenextClassification, RosImage } from '../../src/messages';
import { layoutOverlay } from '../../src/annotate';
import { Parameter } from './double/rclnodejsDouble';
import { uniformFrame, type Rgb } from './support/frames';
import { PARAMS_FILE, rosArgs, stampOf, startHarness, type Harness } from './support/harness';

const IMAGE = 'sensor_msgs/msg/Image';
const RESULT = 'edgenext/msg/Classification';
const ANNOTATED = '/classifier/image_annotated';
const STATUS = 'classifier: image_annotated';
const NOTHING_COUNTED = {
  published: '0',
  'dropped.rate_limit': '0',
  'dropped.busy': '0',
  'dropped.frame_gone': '0',
  failed: '0',
};

type ImageMsg = RosImage;

let harness: Harness | undefined;

afterEach(async () => {
  if (harness !== undefined) {
    await harness.node.stop();
    expect(harness.double.graph.callbackErrors).toEqual([]);
    expect(harness.node.callbackErrors).toBe(0);
    harness = undefined;
  }
});

function frameMsg(rgb: Rgb, i: number, size = { width: 320, height: 240 }): ImageMsg {
  const frame = uniformFrame('bgr8', size.width, size.height, rgb, 6);
  return {
    header: { stamp: stampOf(i), frame_id: `cam_${i}` },
    height: frame.height,
    width: frame.width,
    encoding: frame.encoding,
    is_bigendian: 0,
    step: frame.step,
    data: frame.data,
  };
}

async function start(...params: string[]): Promise<Harness> {
  const args = ['-p', "image_topics:=['/cam/image_raw']", '-p', 'diagnostics_period:=0.05'];
  for (const p of params) args.push('-p', p);
  harness = await startHarness({ argv: rosArgs('--params-file', PARAMS_FILE, ...args) });
  return harness;
}

async function annotatedStatus(h: Harness, predicate: (values: Record<string, string>) => boolean) {
  const probe = h.double.graph.probe<RosDiagnosticArray>('/diagnostics', 'diagnostic_msgs/msg/DiagnosticArray');
  const deadline = Date.now() + 5000;
  for (;;) {
    for (const diag of probe.messages) {
      const status = diag.status.find((s) => s.name === STATUS);
      if (status === undefined) continue;
      const values = Object.fromEntries(status.values.map((v) => [v.key, v.value]));
      if (predicate(values)) return { ...status, values };
    }
    if (Date.now() > deadline) throw new Error(`no matching ${STATUS}; last: ${JSON.stringify(probe.last())}`);
    await probe.waitFor(probe.messages.length + 1, deadline - Date.now()).catch(() => undefined);
  }
}

/** Publishes frames one at a time (each waits for its result) and returns the results. */
async function classifyFrames(h: Harness, colours: readonly Rgb[]): Promise<RosEdgenextClassification[]> {
  const results = h.double.graph.probe<RosEdgenextClassification>('/classifier/classification', RESULT);
  const camera = h.double.graph.publisher('/cam/image_raw', IMAGE);
  for (const [i, rgb] of colours.entries()) {
    camera.publish(frameMsg(rgb, i));
    await results.waitFor(i + 1);
  }
  return results.messages;
}

describe('~/image_annotated', () => {
  it('is off by default: nothing published, nothing counted, even with a subscriber', async () => {
    const h = await start();
    expect(h.node.settings.publishAnnotated).toBe(false);
    expect(h.node.settings.annotatedMaxRate).toBe(5);
    const annotated = h.double.graph.probe<ImageMsg>(ANNOTATED, IMAGE);
    const results = await classifyFrames(h, [
      [255, 0, 0],
      [0, 255, 0],
    ]);
    expect(results.map((r) => r.labels[0])).toEqual(['red', 'green']);
    const status = await annotatedStatus(h, () => true);
    expect(status.message).toBe('off (publish_annotated is false)');
    expect(status.values).toEqual(NOTHING_COUNTED);
    expect(annotated.messages).toEqual([]);
  });

  it('is switched on and off live with ros2 param set; bad values are refused with the reason', async () => {
    const h = await start();
    const [rosNode] = [...h.double.nodes];
    if (rosNode === undefined) throw new Error('no node');
    const annotated = h.double.graph.probe<ImageMsg>(ANNOTATED, IMAGE);
    await classifyFrames(h, [[255, 0, 0]]);
    expect(rosNode.setParameter(new Parameter('publish_annotated', 1, true))).toEqual({ successful: true, reason: '' });
    expect(rosNode.setParameter(new Parameter('annotated_max_rate', 3, 0.0))).toEqual({
      successful: false,
      reason: 'parameter annotated_max_rate = 0 is out of range [0.1, 120]',
    });
    expect(rosNode.setParameter(new Parameter('publish_annotated', 2, 1n))).toMatchObject({ successful: false });
    const camera = h.double.graph.publisher('/cam/image_raw', IMAGE);
    camera.publish(frameMsg([0, 255, 0], 7));
    const [image] = await annotated.waitFor(1);
    expect(image?.header.frame_id).toBe('cam_7');
    expect(rosNode.setParameter(new Parameter('publish_annotated', 1, false))).toEqual({
      successful: true,
      reason: '',
    });
    camera.publish(frameMsg([0, 0, 255], 8));
    await annotatedStatus(h, (v) => v.published === '1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(annotated.messages).toHaveLength(1);
  });

  it('does no work while nobody subscribes', async () => {
    const h = await start('publish_annotated:=true', 'annotated_max_rate:=100.0');
    await classifyFrames(h, [
      [255, 0, 0],
      [0, 0, 255],
      [255, 255, 0],
    ]);
    const status = await annotatedStatus(h, () => true);
    // Nothing drawn, and no result even looked for its frame (none was remembered).
    expect(status.values).toEqual(NOTHING_COUNTED);
  });

  it('publishes the frame with its header, size and encoding, changed only where the overlay goes, with the label drawn', async () => {
    const h = await start('publish_annotated:=true', 'annotated_max_rate:=100.0');
    const annotated = h.double.graph.probe<ImageMsg>(ANNOTATED, IMAGE);
    // Large enough for 15 px text, whose strokes have fully white pixels.
    const [width, height] = [560, 420];
    const source = frameMsg([0, 0, 255], 0, { width, height });
    const results = h.double.graph.probe<RosEdgenextClassification>('/classifier/classification', RESULT);
    h.double.graph.publisher('/cam/image_raw', IMAGE).publish(source);
    const [result] = await results.waitFor(1);
    const [image] = await annotated.waitFor(1);
    if (image === undefined || result === undefined) throw new Error('no message');
    expect(image.header).toEqual(source.header);
    expect([image.width, image.height, image.encoding, image.step, image.data.length]).toEqual([
      width,
      height,
      'bgr8',
      source.step,
      source.data.length,
    ]);
    const layout = layoutOverlay(width, height, {
      topK: result.labels.map((label, i) => ({
        label,
        classId: result.class_ids[i] ?? 0,
        score: result.scores[i] ?? 0,
      })),
      unknown: result.unknown,
      syntheticWeights: true,
    });
    const { region } = layout;
    let changedInside = 0;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < source.step; x++) {
        const i = y * source.step + x;
        const pixelX = Math.floor(x / 3);
        const inRegion =
          x < width * 3 &&
          pixelX >= region.left &&
          pixelX < region.left + region.width &&
          y >= region.top &&
          y < region.top + region.height;
        if (image.data[i] !== source.data[i]) {
          if (!inRegion) throw new Error(`byte ${i} (x ${pixelX}, y ${y}) changed outside the overlay`);
          changedInside++;
        }
      }
    expect(changedInside).toBeGreaterThan(region.width * region.height);
    // The synthetic-weights banner and every score row hold white text (bgr8: all three bytes high).
    expect(layout.rows[0]).toMatchObject({ kind: 'banner', text: 'SYNTHETIC WEIGHTS: labels not meaningful' });
    for (const row of layout.rows) {
      let white = 0;
      for (let y = region.top + row.top; y < region.top + row.top + layout.rowHeight; y++)
        for (let x = region.left; x < region.left + region.width; x++) {
          const i = y * source.step + x * 3;
          if (image.data[i]! > 200 && image.data[i + 1]! > 200 && image.data[i + 2]! > 200) white++;
        }
      expect({ row: row.text, white: white > 20 }).toEqual({ row: row.text, white: true });
    }
    await annotatedStatus(h, (v) => v.published === '1');
  });

  it('keeps to annotated_max_rate and counts what it skips', async () => {
    const h = await start('publish_annotated:=true', 'annotated_max_rate:=1.0');
    const annotated = h.double.graph.probe<ImageMsg>(ANNOTATED, IMAGE);
    const started = Date.now();
    const colours: Rgb[] = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? [255, 0, 0] : [0, 255, 0]));
    const results = await classifyFrames(h, colours);
    const elapsedS = (Date.now() - started) / 1000;
    expect(results).toHaveLength(8);
    const status = await annotatedStatus(
      h,
      (v) => Number(v.published) + Number(v['dropped.rate_limit']) + Number(v['dropped.busy']) === 8,
    );
    const published = Number(status.values.published);
    expect(published).toBeGreaterThanOrEqual(1);
    expect(published).toBeLessThanOrEqual(Math.floor(elapsedS * 1.0) + 1);
    expect(Number(status.values['dropped.rate_limit'])).toBeGreaterThanOrEqual(
      8 - published - Number(status.values['dropped.busy']),
    );
    expect(annotated.messages).toHaveLength(published);
  });

  it('with no font: results are unchanged, each failure is counted and reported, nothing is published', async () => {
    const saved = process.env.EDGENEXT_FONT_FILE;
    process.env.EDGENEXT_FONT_FILE = '/nonexistent/fonts/DejaVuSans.ttf';
    try {
      const h = await start('publish_annotated:=true', 'annotated_max_rate:=100.0');
      const annotated = h.double.graph.probe<ImageMsg>(ANNOTATED, IMAGE);
      const colours: Rgb[] = [
        [255, 0, 0],
        [0, 0, 255],
        [255, 255, 255],
      ];
      const results = await classifyFrames(h, colours);
      expect(results.map((r) => [r.header.frame_id, r.labels[0]])).toEqual([
        ['cam_0', 'red'],
        ['cam_1', 'blue'],
        ['cam_2', 'white'],
      ]);
      const status = await annotatedStatus(h, (v) => Number(v.failed) >= 1);
      expect(status.level).toBe(1);
      expect(status.message).toMatch(
        /annotated images failed in the last period: cannot draw annotations: font \/nonexistent\/fonts\/DejaVuSans\.ttf: ENOENT/,
      );
      await h.node.stop();
      expect(annotated.messages).toEqual([]);
      expect(h.node.publishErrors).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.EDGENEXT_FONT_FILE;
      else process.env.EDGENEXT_FONT_FILE = saved;
    }
  });
});
