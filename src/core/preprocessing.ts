/**
 * How a frame becomes a model input. Values come from config/models.yaml (validated in src/model/).
 */
export const RESIZE_POLICIES = ['stretch', 'letterbox', 'center_crop'] as const;
export type ResizePolicy = (typeof RESIZE_POLICIES)[number];

export const INTERPOLATIONS = ['nearest', 'bilinear', 'bicubic'] as const;
export type Interpolation = (typeof INTERPOLATIONS)[number];

/** What the inference backend wants as input. */
export const INPUT_FORMATS = ['float32_nchw_rgb', 'nv12'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface ResizeSpec {
  readonly policy: ResizePolicy;
  readonly interpolation: Interpolation;
  /** center_crop only: the short side is resized to floor(size / cropPct) before the centre crop. */
  readonly cropPct: number;
  /** letterbox only: the grey value (all channels) of the padding; the model zoo uses 127. */
  readonly padValue: number;
}

export interface PreprocessSpec {
  readonly width: number;
  readonly height: number;
  readonly format: InputFormat;
  readonly resize: ResizeSpec;
  /** float32 input only: per-channel RGB mean and std on the 0..1 scale (ImageNet: 0.485,0.456,0.406 / 0.229,0.224,0.225). */
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** A preprocessed model input for one frame. */
export type ModelInput =
  | {
      readonly format: 'float32_nchw_rgb';
      readonly width: number;
      readonly height: number;
      readonly data: Float32Array;
    }
  | { readonly format: 'nv12'; readonly width: number; readonly height: number; readonly data: Uint8Array };

/**
 * The resize of `base` with its policy replaced by `policy`. `center_crop` always resizes with bicubic, because
 * it stands for timm's evaluation transform (which is bicubic for every EdgeNeXt tag, edgenext-architecture.md
 * §5.1); the other policies keep the base's interpolation (the model zoo's cv2 bilinear), or take bilinear when leaving
 * center_crop.
 */
export function withResizePolicy(base: ResizeSpec, policy: ResizePolicy): ResizeSpec {
  if (policy === base.policy) return base;
  if (policy === 'center_crop') return { ...base, policy, interpolation: 'bicubic' };
  return { ...base, policy, interpolation: base.policy === 'center_crop' ? 'bilinear' : base.interpolation };
}
