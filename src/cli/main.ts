#!/usr/bin/env node
import { Command } from 'commander';

/**
 * `edgenext` command line. Each command lives in its own file under src/cli/commands and registers itself here.
 */
export function buildProgram(): Command {
  const program = new Command();
  program.name('edgenext').description('EdgeNeXt image classification: CPU (ONNX Runtime) or RDK X5 BPU').version('0.1.0');
  // Command registrations (one line each; keep sorted):
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(`edgenext: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    });
}
