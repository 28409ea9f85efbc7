import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/core/packageRoot';
import { setHeapGrowthForFrames } from '../src/runtime/heapGrowth';
import type { BenchModule, BenchSection } from './types';

/**
 * `npm run bench`: runs every benchmark section in one process, one after the other, and writes BENCHMARKS.md
 * with the machine and the date. Pass section names to run a subset: `npm run bench -- preprocess onnx`.
 */
const SECTIONS: Record<string, () => Promise<BenchModule>> = {
  preprocess: () => import('./preprocess'),
  graph: () => import('./graph'),
  onnx: () => import('./onnx'),
  bpu: () => import('./bpu'),
  pipeline: () => import('./pipeline'),
  replay: () => import('./replay'),
  zooTable: () => import('./zooTable'),
  annotate: () => import('./annotate'),
  rosNode: () => import('./rosNode'),
  soak: () => import('./soak'),
  fuzz: () => import('./fuzz'),
};

function machineDescription(): string {
  const cpus = os.cpus();
  const load = os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ');
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length} (${os.arch()})`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; OS: ${os.type()} ${os.release()}`,
    `- Node.js ${process.version}; load average at start (1/5/15 min): ${load}`,
  ].join('\n');
}

async function main(): Promise<void> {
  // The sections run product code in this process: give it the heap setting the node and the CLI run with.
  setHeapGrowthForFrames();
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in SECTIONS));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown bench section(s): ${unknown.join(', ')} (known: ${Object.keys(SECTIONS).join(', ')})\n`,
    );
    process.exit(2);
  }
  const names = wanted.length > 0 ? wanted : Object.keys(SECTIONS);
  const header = machineDescription();
  const sections: BenchSection[] = [];
  for (const name of names) {
    process.stderr.write(`bench: ${name} ...\n`);
    const started = performance.now();
    const section = await (await SECTIONS[name]!()).run();
    process.stderr.write(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    sections.push(section);
  }
  const body = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts). Every ratio in a table was measured in the same run, on this machine:',
    '',
    header,
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', s.markdown.trim(), '']),
  ].join('\n');
  const file = path.join(packageRoot(), 'BENCHMARKS.md');
  writeFileSync(file, body);
  process.stderr.write(`bench: wrote ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
