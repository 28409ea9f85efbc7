/**
 * The BPU backend's public entry point (for src/cli and src/ros).
 *
 * openBpuBackend({ modelPath, libraryPath?, maxInflight?, priority?, bpuCoreMask?, waitTimeoutMs? })
 * resolves to an InferenceBackend of kind 'bpu' that takes NV12 ModelInputs of the model's size and
 * yields the logits (output 0, dequantised to float32) per frame. See BpuBackendOptions for defaults.
 */
import { BpuBackend, type BpuBackendOptions } from './BpuBackend';

export { BpuBackend, BPU_LIBRARY_ENV, DEFAULT_BPU_LIBRARY, type BpuBackendOptions } from './BpuBackend';
export { BpuRuntimeError } from './BpuRuntimeError';

export function openBpuBackend(options: BpuBackendOptions): Promise<BpuBackend> {
  return BpuBackend.open(options);
}
