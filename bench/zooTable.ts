import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBench } from '../src/cli/commands/bench';
import type { BenchSection } from './types';

/**
 * `edgenext bench --backend onnx` over the four variants: the dev-PC column of the RDK X5 model zoo's performance
 * table, beside the zoo's X5 figures. Synthetic weights (the real files are not downloaded here): the same graphs,
 * so the same speed. EDGENEXT_BENCH_ZOO_SECONDS shortens each measurement (default 5 s).
 */
export async function run(): Promise<BenchSection> {
  const seconds = process.env.EDGENEXT_BENCH_ZOO_SECONDS ?? '5';
  const streams = String(Math.min(4, os.cpus().length));
  const modelDir = mkdtempSync(path.join(os.tmpdir(), 'edgenext-bench-zoo-'));
  const out: string[] = [];
  const err: string[] = [];
  try {
    const code = await runBench(
      { backend: 'onnx', modelDir, duration: seconds, warmup: '10', streams },
      { stdout: (line) => out.push(line), stderr: (line) => err.push(line) },
    );
    if (code !== 0) throw new Error(`edgenext bench failed: ${err.join('; ')}`);
  } finally {
    rmSync(modelDir, { recursive: true, force: true });
  }
  return {
    title: 'Model zoo table: this PC (ONNX Runtime) beside the RDK X5',
    markdown: [
      `\`edgenext bench --backend onnx --duration ${seconds} --streams ${streams}\` (bench/zooTable.ts): the four variants with synthetic weights`,
      '(same graphs as the zoo files, so the same speed), 1 ONNX Runtime intra-op thread per worker. The X5 columns',
      "are the model zoo's published BPU figures from the catalogue, not measured here.",
      '',
      ...out,
    ].join('\n'),
  };
}
