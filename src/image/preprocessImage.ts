import type { ImageInput } from '../core/image';
import type { ModelInput, PreprocessSpec } from '../core/preprocessing';
import { decodeCompressed } from './decodeCompressed';
import { preprocessRaw } from './preprocessRaw';

/**
 * Any image input to the model input of `spec`: compressed images are decoded with sharp (see decodeCompressed),
 * then both kinds go through the same sampling path as preprocessRaw. Rejects with the errors of those two.
 */
export async function preprocessImage(input: ImageInput, spec: PreprocessSpec): Promise<ModelInput> {
  const raw = input.kind === 'raw' ? input : await decodeCompressed(input);
  return preprocessRaw(raw, spec);
}
