import type { CommandIo } from '../../src/cli/commandIo';

/** A CommandIo that keeps every line a command writes, for assertions. */
export function collector(): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (line) => out.push(line), stderr: (line) => err.push(line) };
}
