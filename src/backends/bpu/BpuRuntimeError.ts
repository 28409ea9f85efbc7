import { EdgenextError, ErrorCodes, type ErrorCode } from '../../core/errors';
import { HB_STATUS_NAMES } from './libdnn';

/**
 * A failed libdnn call: keeps the runtime's status code, its hbDNNGetErrorDesc text and the step
 * (function) that failed, e.g. "hbDNNInfer failed (-6000009 HB_DNN_TASK_NUM_EXCEED_LIMIT: ...)".
 */
export class BpuRuntimeError extends EdgenextError {
  readonly runtimeCode: number;
  readonly step: string;
  readonly description: string;

  constructor(options: { step: string; runtimeCode: number; description: string; context?: string; code?: ErrorCode }) {
    const { step, runtimeCode, description, context } = options;
    const name = HB_STATUS_NAMES[runtimeCode];
    const text = name && !description.includes(name) ? `${name}: ${description}` : description || (name ?? 'unknown');
    super(
      options.code ?? codeFor(runtimeCode),
      `${step} failed (${runtimeCode} ${text})${context ? ` ${context}` : ''}`,
    );
    this.name = 'BpuRuntimeError';
    this.runtimeCode = runtimeCode;
    this.step = step;
    this.description = description;
  }
}

function codeFor(runtimeCode: number): ErrorCode {
  switch (runtimeCode) {
    case -6000006:
      return ErrorCodes.fileNotFound;
    case -6000002:
    case -6000014:
      return ErrorCodes.modelLoad;
    case -6000008:
      return ErrorCodes.timeout;
    default:
      return ErrorCodes.backendError;
  }
}
