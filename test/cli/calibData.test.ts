import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCalibData } from '../../src/cli/commands/calibData';
import { findOpenCvPython, OPENCV_MISSING } from '../image/opencvReference';
import { FIXTURE_IMAGES } from '../support/paths';

/**
 * The model zoo's calibration recipe (edgenext-architecture.md §5.2) written in OpenCV/NumPy as its guide does:
 * cv2.imread (BGR), short side to 256 with cv2.resize, centre crop 224, BGR->RGB, HWC->CHW, float32 .tofile().
 */
const RECIPE = String.raw`
import sys, os, numpy as np, cv2
cv2.setNumThreads(1)
src, dst = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    img = cv2.imread(os.path.join(src, name))
    if img is None:
        continue
    h, w = img.shape[:2]
    if h < w:
        img = cv2.resize(img, (int(256 * (w / h)), 256))
    else:
        img = cv2.resize(img, (256, int(256 * (h / w))))
    h, w = img.shape[:2]
    top, left = (h - 224) // 2, (w - 224) // 2
    img = img[top:top + 224, left:left + 224]
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB).transpose(2, 0, 1).astype(np.float32)
    img.tofile(os.path.join(dst, os.path.splitext(name)[0] + '.rgb'))
`;
import { collector } from '../support/collectIo';

// Landscape and portrait JPEGs, one with EXIF rotation, a grayscale JPEG, a CMYK JPEG, a PNG, and images smaller
// than 256 (upscaled).
const IMAGES = [
  'Zebra.jpg',
  'n01440764_tench.JPEG',
  'pillow_hopper_orientation_6.jpg',
  'caffe_cat_gray.jpg',
  'Zebra_cmyk.jpg',
  'mmpretrain_cat-dog.png',
  'n03584829_iron.JPEG',
  'n01871265_tusker.JPEG',
];

describe('edgenext models calib-data', () => {
  const python = findOpenCvPython();
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'edgenext-calib-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes files byte-equal to the OpenCV/NumPy recipe, and says what it wrote', async () => {
    if (python === undefined) throw new Error(OPENCV_MISSING);
    const images = path.join(dir, 'images');
    const ours = path.join(dir, 'ours');
    const reference = path.join(dir, 'reference');
    mkdirSync(images);
    mkdirSync(reference);
    for (const name of IMAGES) copyFileSync(path.join(FIXTURE_IMAGES, name), path.join(images, name));
    const run = spawnSync(python, ['-c', RECIPE, images, reference], { encoding: 'utf8' });
    expect(run.stderr).toBe('');

    const io = collector();
    expect(await runCalibData([images], { output: ours }, io)).toBe(0);
    expect(io.err).toEqual([]);
    expect(io.out).toEqual([
      `wrote ${IMAGES.length} calibration files to ${ours}: float32 RGB CHW 3x224x224 (602112 bytes each; short side 256, centre crop 224, 0..255 scale)`,
      `hb_mapper: cal_data_dir ${ours}, cal_data_type float32 (the model zoo calibrates with 100 to 300 images; ${IMAGES.length} is few)`,
    ]);
    const expected = readdirSync(reference).sort();
    expect(readdirSync(ours).sort()).toEqual(expected);
    expect(expected).toHaveLength(IMAGES.length);
    const differing = expected.filter((name) => {
      const mine = readFileSync(path.join(ours, name));
      return mine.length !== 602112 || !mine.equals(readFileSync(path.join(reference, name)));
    });
    // The one exception is CMYK: the decoder converts CMYK with Pillow's integer formula, which differs from
    // cv2.imread's by at most one level; every other file is byte-equal.
    expect(differing).toEqual(['Zebra_cmyk.rgb']);
    const floats = (file: string): Float32Array => {
      const bytes = readFileSync(file);
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    };
    const mine = floats(path.join(ours, 'Zebra_cmyk.rgb'));
    const theirs = floats(path.join(reference, 'Zebra_cmyk.rgb'));
    const worst = mine.reduce((max, v, i) => Math.max(max, Math.abs(v - (theirs[i] as number))), 0);
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(2); // one level in the decode, at most two after the bilinear resize
  });

  it('names and skips an unreadable image, honours --count, and refuses a missing -o', async () => {
    const images = path.join(dir, 'mixed');
    mkdirSync(images, { recursive: true });
    copyFileSync(path.join(FIXTURE_IMAGES, 'Zebra.jpg'), path.join(images, 'a.jpg'));
    writeFileSync(path.join(images, 'b.jpg'), 'not a jpeg');
    copyFileSync(path.join(FIXTURE_IMAGES, 'bucket.JPEG'), path.join(images, 'c.jpg'));
    const out = path.join(dir, 'mixed-out');

    const io = collector();
    expect(await runCalibData([images], { output: out }, io)).toBe(1);
    expect(io.err).toEqual([
      expect.stringMatching(
        /^edgenext models calib-data: .*b\.jpg: cannot decode 'jpg' image of 10 bytes: not JPEG, PNG or WebP .* \(skipped\)$/,
      ),
    ]);
    expect(io.out[0]).toMatch(/^wrote 2 calibration files .*; 1 input skipped$/);
    expect(readdirSync(out).sort()).toEqual(['a.rgb', 'c.rgb']);

    const one = collector();
    const firstOnly = path.join(dir, 'first-only');
    expect(await runCalibData([images], { output: firstOnly, count: '1' }, one)).toBe(0);
    expect(readdirSync(firstOnly)).toEqual(['a.rgb']);

    const usage = collector();
    expect(await runCalibData([images], {}, usage)).toBe(2);
    expect(usage.err).toEqual(['edgenext models calib-data: missing output folder (-o, --output <dir>)']);
  });
});
