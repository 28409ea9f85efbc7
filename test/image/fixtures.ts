import * as path from 'node:path';
import type { PreprocessSpec } from '../../src/core/preprocessing';

export const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures');
export const IMAGES = path.join(FIXTURES, 'images');

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export type SpecOverrides = Partial<Omit<PreprocessSpec, 'resize'>> & { resize?: Partial<PreprocessSpec['resize']> };

export function spec(overrides: SpecOverrides = {}): PreprocessSpec {
  const { resize, ...rest } = overrides;
  return {
    width: 224,
    height: 224,
    format: 'nv12',
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    ...rest,
    resize: { policy: 'letterbox', interpolation: 'bilinear', cropPct: 0.875, padValue: 127, ...resize },
  };
}
