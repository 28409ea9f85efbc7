/**
 * One error type for the whole product. `code` is stable and machine-readable (tests and the
 * ROS node's counters key on it); `message` is the one clear line a user sees.
 */
export const ErrorCodes = {
  invalidArgument: 'invalid_argument',
  invalidConfig: 'invalid_config',
  fileNotFound: 'file_not_found',
  decodeError: 'decode_error',
  unsupportedEncoding: 'unsupported_encoding',
  malformedFrame: 'malformed_frame',
  modelMismatch: 'model_mismatch',
  modelLoad: 'model_load',
  backendError: 'backend_error',
  backendUnavailable: 'backend_unavailable',
  timeout: 'timeout',
  corruptFile: 'corrupt_file',
  closed: 'closed',
  downloadFailed: 'download_failed',
  fontMissing: 'font_missing',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class EdgenextError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EdgenextError';
    this.code = code;
  }
}

export function isEdgenextError(value: unknown): value is EdgenextError {
  return value instanceof EdgenextError;
}

/** The message of anything thrown, for logs that must be strings (rclnodejs' logger rejects Error objects). */
export function errorMessage(value: unknown): string {
  // Duck-typed, not `instanceof Error`: errors from other realms (worker threads, vm contexts) are Errors too.
  if (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string') {
    return (value as { message: string }).message;
  }
  return String(value);
}
