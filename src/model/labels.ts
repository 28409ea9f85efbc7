import { readFileSync } from 'node:fs';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';

/**
 * Reads a label file: a JSON array of class names in class-index order.
 * Fails with the file name when it is missing, not JSON, not an array of strings, or has the wrong length.
 */
export function loadLabels(labelsPath: string, expectedCount?: number): string[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(labelsPath, 'utf8'));
  } catch (error) {
    throw new EdgenextError(ErrorCodes.invalidConfig, `labels file ${labelsPath}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (!Array.isArray(raw) || !raw.every((label): label is string => typeof label === 'string')) {
    throw new EdgenextError(ErrorCodes.invalidConfig, `labels file ${labelsPath}: expected a JSON array of strings`);
  }
  if (expectedCount !== undefined && raw.length !== expectedCount) {
    throw new EdgenextError(
      ErrorCodes.modelMismatch,
      `labels file ${labelsPath} has ${raw.length} labels but the model outputs ${expectedCount} classes`,
    );
  }
  return raw;
}
