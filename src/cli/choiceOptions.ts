import { RESIZE_POLICIES, type ResizePolicy } from '../core/preprocessing';
import { BACKEND_CHOICES, type BackendChoice } from '../model/resolveModel';
import { UsageError } from './commandIo';

/** Help text of the --model-dir option shared by the commands that open models. */
export const MODEL_DIR_HELP = 'where downloaded models live (default: $EDGENEXT_MODEL_DIR or ~/.cache/edgenext/models)';

/** Commander collector for a repeatable option (`-m a -m b`). */
export function collectRepeated(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--backend` as typed (default auto), or a UsageError naming the choices. */
export function parseBackendOption(text: string | undefined): BackendChoice {
  const backend = text ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got "${backend}"`);
  }
  return backend as BackendChoice;
}

/** `--resize` as typed (undefined keeps the catalogue's), or a UsageError naming the policies. */
export function parseResizeOption(text: string | undefined): ResizePolicy | undefined {
  if (text !== undefined && !(RESIZE_POLICIES as readonly string[]).includes(text)) {
    throw new UsageError(`--resize must be one of ${RESIZE_POLICIES.join(', ')}, got "${text}"`);
  }
  return text as ResizePolicy | undefined;
}
