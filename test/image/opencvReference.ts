import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** One operation for the OpenCV reference script; inputs are raw bytes written to files. */
export type OpenCvJob =
  | {
      readonly op: 'letterbox_nv12';
      readonly bgr: Uint8Array;
      readonly width: number;
      readonly height: number;
      readonly size: number;
    }
  | {
      readonly op: 'resize_rgb';
      readonly rgb: Uint8Array;
      readonly width: number;
      readonly height: number;
      readonly outWidth: number;
      readonly outHeight: number;
      readonly interpolation: 'linear' | 'nearest';
    }
  | {
      readonly op: 'yuv_to_rgb';
      readonly yuv: Uint8Array;
      readonly width: number;
      readonly height: number;
      readonly code: 'YUV2RGB_NV12' | 'YUV2RGB_NV21' | 'YUV2RGB_UYVY' | 'YUV2RGB_YUY2';
    }
  | { readonly op: 'bgr_to_i420'; readonly bgr: Uint8Array; readonly width: number; readonly height: number }
  /** Pillow: Image.open(file).convert('RGB') (EXIF orientation applied with ImageOps.exif_transpose). */
  | { readonly op: 'pil_decode'; readonly file: string }
  /** Pillow: resize to (resizedWidth, resizedHeight) with the filter, then crop; what timm's eval transform does. */
  | {
      readonly op: 'pil_resize_crop';
      readonly rgb: Uint8Array;
      readonly width: number;
      readonly height: number;
      readonly resizedWidth: number;
      readonly resizedHeight: number;
      readonly cropLeft: number;
      readonly cropTop: number;
      readonly cropWidth: number;
      readonly cropHeight: number;
      readonly filter: 'BICUBIC' | 'BILINEAR' | 'NEAREST';
    };

/**
 * The model zoo's host preprocessing, written as its Python sample does (cv2.resize with the default bilinear,
 * cv2.copyMakeBorder with 127, cv2.cvtColor BGR2YUV_I420, then U and V interleaved).
 */
const SCRIPT = String.raw`
import json, sys, numpy as np, cv2
cv2.setNumThreads(1)
jobs = json.load(open(sys.argv[1]))
for i, j in enumerate(jobs):
    op = j['op']
    if op == 'pil_decode':
        from PIL import Image, ImageOps
        im = ImageOps.exif_transpose(Image.open(j['file'])).convert('RGB')
        np.asarray(im).tofile(j['output'])
        continue
    data = np.fromfile(j['input'], dtype=np.uint8)
    w, h = j['width'], j['height']
    if op == 'pil_resize_crop':
        from PIL import Image
        im = Image.fromarray(data.reshape(h, w, 3)).resize((j['resizedWidth'], j['resizedHeight']), getattr(Image, j['filter']))
        l, t = j['cropLeft'], j['cropTop']
        out = np.asarray(im.crop((l, t, l + j['cropWidth'], t + j['cropHeight'])))
    elif op == 'letterbox_nv12':
        img = data.reshape(h, w, 3)
        size = j['size']
        scale = min(size / h, size / w)
        nw, nh = int(w * scale), int(h * scale)
        r = cv2.resize(img, (nw, nh))
        top = (size - nh) // 2; left = (size - nw) // 2
        r = cv2.copyMakeBorder(r, top, size - nh - top, left, size - nw - left, cv2.BORDER_CONSTANT, value=(127, 127, 127))
        yuv = cv2.cvtColor(r, cv2.COLOR_BGR2YUV_I420).reshape(-1)
        area = size * size
        y = yuv[:area]
        u = yuv[area:area + area // 4]
        v = yuv[area + area // 4:]
        uv = np.empty(area // 2, dtype=np.uint8); uv[0::2] = u; uv[1::2] = v
        out = np.concatenate([y, uv])
    elif op == 'resize_rgb':
        img = data.reshape(h, w, 3)
        interp = cv2.INTER_LINEAR if j['interpolation'] == 'linear' else cv2.INTER_NEAREST
        out = cv2.resize(img, (j['outWidth'], j['outHeight']), interpolation=interp)
    elif op == 'yuv_to_rgb':
        code = getattr(cv2, 'COLOR_' + j['code'])
        if j['code'] in ('YUV2RGB_NV12', 'YUV2RGB_NV21'):
            img = data.reshape(h * 3 // 2, w)
        else:
            img = data.reshape(h, w, 2)
        out = cv2.cvtColor(img, code)
    elif op == 'bgr_to_i420':
        out = cv2.cvtColor(data.reshape(h, w, 3), cv2.COLOR_BGR2YUV_I420)
    np.ascontiguousarray(out).tofile(j['output'])
print(cv2.__version__)
`;

/** First python3 that can import cv2, numpy and PIL (EDGENEXT_PYTHON, then python3 on PATH, then Debian's /usr/bin/python3). */
export function findOpenCvPython(): string | undefined {
  const candidates = [process.env.EDGENEXT_PYTHON, 'python3', '/usr/bin/python3'].filter(
    (c): c is string => c !== undefined && c !== '',
  );
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import cv2, numpy, PIL'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

export const OPENCV_MISSING =
  'python3 with OpenCV and Pillow is required for this test: install them with ' +
  '`apt-get install -y python3-opencv python3-pil` (or set EDGENEXT_PYTHON to a python that can import cv2 and PIL)';

/** Runs the jobs through OpenCV in one python process; returns each job's output bytes and the cv2 version. */
export function runOpenCv(python: string, jobs: readonly OpenCvJob[]): { version: string; outputs: Uint8Array[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgenext-cv2-'));
  try {
    const manifest = jobs.map((job, i) => {
      const input = path.join(dir, `in${i}.bin`);
      const output = path.join(dir, `out${i}.bin`);
      const bytes = 'bgr' in job ? job.bgr : 'rgb' in job ? job.rgb : 'yuv' in job ? job.yuv : undefined;
      if (bytes !== undefined) writeFileSync(input, bytes);
      const { bgr: _b, rgb: _r, yuv: _y, ...rest } = job as OpenCvJob & { bgr?: unknown; rgb?: unknown; yuv?: unknown };
      return { ...rest, input, output };
    });
    const manifestPath = path.join(dir, 'jobs.json');
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const scriptPath = path.join(dir, 'reference.py');
    writeFileSync(scriptPath, SCRIPT);
    const run = spawnSync(python, [scriptPath, manifestPath], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`OpenCV reference failed: ${run.stderr}`);
    return {
      version: run.stdout.trim(),
      outputs: manifest.map((m) => new Uint8Array(readFileSync(m.output))),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
