import { spawnSync } from 'node:child_process';
import type { RawImage } from '../src/core/image';
import type { PreprocessSpec } from '../src/core/preprocessing';
import { preprocessRaw, rgbToEncoding, setSharpConcurrency, sharpLetterboxRgb, toRgb8 } from '../src/image';
import { median } from '../src/core/percentile';
import type { BenchSection } from './types';

const SIZES = [
  [640, 480],
  [1280, 720],
  [1920, 1080],
] as const;

function spec(
  format: PreprocessSpec['format'],
  policy: PreprocessSpec['resize']['policy'] = 'letterbox',
): PreprocessSpec {
  return {
    width: 224,
    height: 224,
    format,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    resize: { policy, interpolation: policy === 'center_crop' ? 'bicubic' : 'bilinear', cropPct: 0.875, padValue: 127 },
  };
}

/** A deterministic textured bgr8 frame (smooth gradients plus fine detail), so no path can shortcut flat data. */
function frame(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = ((x ^ y) * 7) & 255;
    }
  }
  return { kind: 'raw', width, height, encoding: 'bgr8', step: width * 3, data };
}

function timeSync(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(200, iterations); i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(samples);
}

export async function timeAsync(iterations: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 10; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(samples);
}

/**
 * The RDK model zoo's host path as its Python sample writes it (letterbox with cv2.resize + copyMakeBorder(127),
 * cv2.cvtColor BGR2YUV_I420, U/V interleaved), timed inside one python process with time.perf_counter
 * (median per frame, OpenCV limited to one thread). Same frames as ours.
 */
const OPENCV_SCRIPT = String.raw`
import json, sys, time
import numpy as np, cv2
cv2.setNumThreads(1)
iterations = int(sys.argv[1])
out = {'version': cv2.__version__}
for spec in sys.argv[2:]:
    w, h = map(int, spec.split('x'))
    x = np.arange(w)[None, :]; y = np.arange(h)[:, None]
    img = np.empty((h, w, 3), np.uint8)
    img[..., 0] = np.broadcast_to(x * 255 // w, (h, w)); img[..., 1] = np.broadcast_to(y * 255 // h, (h, w))
    img[..., 2] = ((x ^ y) * 7) & 255
    def run(img=img):
        size = 224
        scale = min(size / h, size / w)
        nw, nh = int(w * scale), int(h * scale)
        r = cv2.resize(img, (nw, nh))
        top = (size - nh) // 2; left = (size - nw) // 2
        r = cv2.copyMakeBorder(r, top, size - nh - top, left, size - nw - left, cv2.BORDER_CONSTANT, value=(127, 127, 127))
        yuv = cv2.cvtColor(r, cv2.COLOR_BGR2YUV_I420).reshape(-1)
        area = size * size
        uv = np.empty(area // 2, np.uint8); uv[0::2] = yuv[area:area + area // 4]; uv[1::2] = yuv[area + area // 4:]
        return np.concatenate([yuv[:area], uv])
    for _ in range(200): run()
    samples = []
    for _ in range(iterations):
        t = time.perf_counter(); run(); samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    out[spec] = samples[len(samples) // 2]
    # An NV12 camera frame: the zoo path needs a full-frame cvtColor(NV12 -> BGR) first.
    i420 = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420).reshape(-1)
    area = w * h
    nv12 = np.empty(area * 3 // 2, np.uint8); nv12[:area] = i420[:area]
    nv12[area::2] = i420[area:area + area // 4]; nv12[area + 1::2] = i420[area + area // 4:]
    nv12 = nv12.reshape(h * 3 // 2, w)
    samples = []
    for _ in range(iterations // 4):
        t = time.perf_counter(); run(cv2.cvtColor(nv12, cv2.COLOR_YUV2BGR_NV12)); samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    out['nv12:' + spec] = samples[len(samples) // 2]
print(json.dumps(out))
`;

function runOpenCvReference(iterations: number): { version: string; ms: Record<string, number> } | string {
  const sizes = SIZES.map(([w, h]) => `${w}x${h}`);
  for (const python of [process.env.EDGENEXT_PYTHON, 'python3', '/usr/bin/python3']) {
    if (python === undefined || python === '') continue;
    const run = spawnSync(python, ['-c', OPENCV_SCRIPT, String(iterations), ...sizes], { encoding: 'utf8' });
    if (run.status === 0) {
      const parsed = JSON.parse(run.stdout) as Record<string, number | string>;
      const ms: Record<string, number> = {};
      for (const s of sizes) {
        ms[s] = parsed[s] as number;
        ms[`nv12:${s}`] = parsed[`nv12:${s}`] as number;
      }
      return { version: String(parsed.version), ms };
    }
  }
  return 'not measured: no python3 with cv2 (apt-get install python3-opencv)';
}

export async function run(): Promise<BenchSection> {
  const iterations = Number(process.env.EDGENEXT_BENCH_ITERATIONS ?? 1000);
  setSharpConcurrency(1);
  const nv12 = spec('nv12');
  const tensor = spec('float32_nchw_rgb');
  const crop = spec('float32_nchw_rgb', 'center_crop');
  const nv12Out = new Uint8Array((224 * 224 * 3) / 2);
  const tensorOut = new Float32Array(3 * 224 * 224);
  const rows: { size: string; nv12: number; tensor: number; crop: number; sharp: number }[] = [];
  for (const [w, h] of SIZES) {
    const f = frame(w, h);
    rows.push({
      size: `${w}x${h}`,
      nv12: timeSync(iterations, () => preprocessRaw(f, nv12, nv12Out)),
      tensor: timeSync(iterations, () => preprocessRaw(f, tensor, tensorOut)),
      crop: timeSync(Math.ceil(iterations / 10), () => preprocessRaw(f, crop, tensorOut)),
      sharp: await timeAsync(Math.ceil(iterations / 20), () => sharpLetterboxRgb(f, 224, 224, 127)),
    });
  }
  // Camera encodings other than bgr8 (RDK cameras publish nv12), into NV12 letterbox.
  const OTHER = ['nv12', 'yuv422', 'rgba8'] as const;
  const others: { size: string; ms: number[] }[] = [];
  for (const [w, h] of SIZES) {
    const rgb = toRgb8(frame(w, h));
    others.push({
      size: `${w}x${h}`,
      ms: OTHER.map((e) => {
        const f = rgbToEncoding(rgb, e);
        return timeSync(iterations, () => preprocessRaw(f, nv12, nv12Out));
      }),
    });
  }
  const cv = runOpenCvReference(iterations);
  const fmt = (v: number): string => v.toFixed(3);
  const lines = [
    'Per-frame preprocessing of a raw bgr8 camera frame into a 224x224 model input, single thread, median ms.',
    '`ours NV12` / `ours tensor`: preprocessRaw with letterbox (bilinear, pad 127), reused output buffer.',
    '`ours crop tensor`: timm-style center_crop (Pillow-exact antialiased bicubic, crop_pct 0.875).',
    '`sharp`: sharp raw -> resize contain (linear) -> raw RGB, concurrency 1 (letterbox only, no colour conversion).',
    typeof cv === 'string'
      ? `\`OpenCV\`: ${cv}`
      : `\`OpenCV\`: the model zoo host path (cv2.resize letterbox, BGR2YUV_I420, UV interleave), OpenCV ${cv.version} ` +
        'one thread, timed in a python3 subprocess in the same run. Target: ours NV12 / OpenCV <= 2.',
    '',
    '| frame | ours NV12 | ours tensor | ours crop tensor | sharp | OpenCV zoo path | ours NV12 / OpenCV |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const ref = typeof cv === 'string' ? undefined : cv.ms[r.size];
      const refText = ref === undefined ? 'n/a' : fmt(ref);
      const ratio = ref === undefined ? 'n/a' : `${(r.nv12 / ref).toFixed(2)}x`;
      return `| ${r.size} | ${fmt(r.nv12)} | ${fmt(r.tensor)} | ${fmt(r.crop)} | ${fmt(r.sharp)} | ${refText} | ${ratio} |`;
    }),
    '',
    'Other camera encodings into 224x224 NV12 (letterbox), median ms per frame. `OpenCV nv12` is the zoo path on an',
    'NV12 camera frame: cv2.cvtColor(NV12 -> BGR) of the whole frame, then the same letterbox + I420 + interleave.',
    '',
    `| frame | ${OTHER.join(' | ')} | OpenCV nv12 |`,
    `|---|${OTHER.map(() => '---').join('|')}|---|`,
    ...others.map((r) => {
      const ref = typeof cv === 'string' ? undefined : cv.ms[`nv12:${r.size}`];
      return `| ${r.size} | ${r.ms.map(fmt).join(' | ')} | ${ref === undefined ? 'n/a' : fmt(ref)} |`;
    }),
  ];
  return { title: 'Preprocessing (raw frames -> 224x224 model input)', markdown: lines.join('\n') };
}

if (require.main === module) {
  void run().then((s) => console.log(`## ${s.title}\n\n${s.markdown}`));
}
