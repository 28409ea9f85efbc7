import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import { EdgenextError, type ErrorCode, ErrorCodes } from '../core/errors';

function reason(error: unknown, target: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `folder ${path.dirname(target)} does not exist`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOTDIR':
      return `a part of ${path.dirname(target)} is not a folder`;
    default:
      return (error as Error).message;
  }
}

/**
 * Writes `bytes` to `target` through a temporary file in the same folder and a rename, so a reader (or a
 * concurrent writer of the same file) never sees a half-written file.
 * @throws EdgenextError(`errorCode`, default invalid_argument) naming the file and the reason; the
 *   temporary file is removed on failure.
 */
export async function writeFileAtomic(
  target: string,
  bytes: Uint8Array,
  options: { errorCode?: ErrorCode } = {},
): Promise<void> {
  const fail = (error: unknown): never => {
    throw new EdgenextError(
      options.errorCode ?? ErrorCodes.invalidArgument,
      `cannot write ${target}: ${reason(error, target)}`,
      { cause: error },
    );
  };
  const existing = await fs.stat(target).catch(() => undefined);
  if (existing?.isDirectory()) fail(Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await fs.writeFile(temporary, bytes);
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    fail(error);
  }
}
