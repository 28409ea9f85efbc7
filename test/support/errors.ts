import { EdgenextError } from '../../src/core/errors';

/** The EdgenextError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<EdgenextError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EdgenextError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}
