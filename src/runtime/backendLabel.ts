import os from 'node:os';
import type { Classifier } from './openClassifier';

/** What ran a measurement, said so that an emulated BPU figure can never pass for a board figure. */
export interface BackendLabel {
  readonly backend: 'onnx' | 'bpu';
  /** True when the BPU is the project's libdnn emulator (its latencies are configured, not measured silicon). */
  readonly emulated: boolean;
  /** libdnn's version string for the BPU; undefined for ONNX Runtime. */
  readonly runtimeVersion?: string;
  /** One phrase: "ONNX Runtime on <cpu>", "RDK X5 BPU (libdnn 1.24.5)", "BPU EMULATOR (libdnn emulator ...)". */
  readonly text: string;
}

/** The CPU model and core count of this machine, e.g. "Intel(R) Xeon(R) ... x 16". */
export function machineDescription(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'} x ${cpus.length}, ${os.platform()} ${os.arch()}`;
}

/** Labels the classifier's backend; the emulator is recognised by the version string its libdnn reports. */
export function backendLabel(classifier: Classifier): BackendLabel {
  const { backend } = classifier;
  if (classifier.card.backend === 'onnx') {
    return { backend: 'onnx', emulated: false, text: `ONNX Runtime on ${machineDescription()}` };
  }
  const version = (backend as { runtimeVersion?: unknown }).runtimeVersion;
  const runtimeVersion = typeof version === 'string' ? version : undefined;
  const emulated = runtimeVersion?.includes('emulator') === true;
  return {
    backend: 'bpu',
    emulated,
    ...(runtimeVersion !== undefined ? { runtimeVersion } : {}),
    text: emulated
      ? `BPU EMULATOR (libdnn ${runtimeVersion}; configured latency, not a board measurement)`
      : `RDK X5 BPU (libdnn ${runtimeVersion ?? 'unknown version'})`,
  };
}
