/** Where a command writes: the commander action passes the process streams, tests pass collectors. */
export interface CommandIo {
  stdout(line: string): void;
  stderr(line: string): void;
  /** True when stderr is an interactive terminal (progress bars only make sense there). */
  readonly interactive?: boolean;
}

export const processIo: CommandIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  interactive: process.stderr.isTTY === true,
};

/** Exit codes shared by all commands: 2 = bad arguments, 1 = the operation failed (for some or all inputs). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Parses a decimal integer option, or throws with the option's name and the value typed. */
export function parseIntegerOption(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** A mistake in how the command was called; reported in one line with exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
