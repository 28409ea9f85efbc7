#!/usr/bin/env node
import { Command } from 'commander';

import { registerBagCommand } from './commands/bag';
import { registerBenchCommand } from './commands/bench';
import { registerClassifyCommand } from './commands/classify';
import { registerEvalCommand } from './commands/eval';
import { registerModelsCommand } from './commands/models';
import { registerReplayCommand } from './commands/replay';
import { setHeapGrowthForFrames } from '../runtime/heapGrowth';

/**
 * `edgenext` command line. Each command lives in its own file under src/cli/commands and registers itself here.
 */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('edgenext')
    .description('EdgeNeXt image classification: CPU (ONNX Runtime) or RDK X5 BPU')
    .version('0.1.0');
  // Command registrations (one line each; keep sorted):
  registerBagCommand(program);
  registerBenchCommand(program);
  registerClassifyCommand(program);
  registerEvalCommand(program);
  registerModelsCommand(program);
  registerReplayCommand(program);
  return program;
}

if (require.main === module) {
  // replay and classify stream large frames like the node does (see heapGrowth.ts).
  setHeapGrowthForFrames();
  // `edgenext ... | head` closes the pipe early; that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(`edgenext: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    });
}
