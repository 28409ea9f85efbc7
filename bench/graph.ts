import * as os from 'node:os';
import { performance } from 'node:perf_hooks';

import { ort } from '../src/backends/onnx/ort';
import {
  buildEdgeNeXtModel,
  EDGENEXT_VARIANT_SPECS,
  EDGENEXT_VARIANTS,
  type EdgeNeXtVariant,
  syntheticInput,
} from '../src/graph';
import { median, nearestRankPercentile } from '../src/core/percentile';
import type { BenchSection } from './types';

/**
 * ONNX Runtime CPU speed of the four EdgeNeXt variants as built by src/graph (synthetic weights; speed does
 * not depend on weight values), plus graph build time. Sized to finish in well under 3 minutes on 2 cores:
 * each measurement stops at a run count or a time cap, whichever comes first.
 */

const IMAGE_ELEMENTS = 3 * 224 * 224;
const BUILD_REPEATS = 3;
const LATENCY = { warmupRuns: 3, maxRuns: 30, minRuns: 5, capMs: 5000 } as const;
const THROUGHPUT = { batch: 8, warmupRuns: 1, maxRuns: 8, minRuns: 3, capMs: 5000 } as const;

interface RunPlan {
  readonly warmupRuns: number;
  readonly maxRuns: number;
  readonly minRuns: number;
  readonly capMs: number;
}

function quantile(sorted: readonly number[], q: number): number {
  return nearestRankPercentile(sorted, q * 100);
}

async function timeRuns(session: ort.InferenceSession, input: ort.Tensor, plan: RunPlan): Promise<number[]> {
  for (let i = 0; i < plan.warmupRuns; i += 1) await session.run({ data: input });
  const times: number[] = [];
  const started = performance.now();
  while (times.length < plan.maxRuns && (times.length < plan.minRuns || performance.now() - started < plan.capMs)) {
    const t0 = performance.now();
    await session.run({ data: input });
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

interface Row {
  readonly variant: EdgeNeXtVariant;
  readonly buildMs: number;
  readonly threads: number;
  readonly latencyMedianMs: number;
  readonly latencyP90Ms: number;
  readonly latencyRuns: number;
  readonly throughputImagesPerS: number;
  readonly throughputRuns: number;
}

async function measureVariant(variant: EdgeNeXtVariant, threadCounts: readonly number[]): Promise<Row[]> {
  const buildTimes: number[] = [];
  let bytes: Uint8Array = new Uint8Array();
  for (let i = 0; i < BUILD_REPEATS; i += 1) {
    const t0 = performance.now();
    bytes = buildEdgeNeXtModel(variant);
    buildTimes.push(performance.now() - t0);
  }
  const single = new ort.Tensor('float32', syntheticInput(IMAGE_ELEMENTS), [1, 3, 224, 224]);
  const batched = new ort.Tensor('float32', syntheticInput(THROUGHPUT.batch * IMAGE_ELEMENTS), [
    THROUGHPUT.batch,
    3,
    224,
    224,
  ]);
  const rows: Row[] = [];
  for (const threads of threadCounts) {
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    try {
      const latency = await timeRuns(session, single, LATENCY);
      const throughput = await timeRuns(session, batched, THROUGHPUT);
      rows.push({
        variant,
        buildMs: median(buildTimes),
        threads,
        latencyMedianMs: quantile(latency, 0.5),
        latencyP90Ms: quantile(latency, 0.9),
        latencyRuns: latency.length,
        throughputImagesPerS: (THROUGHPUT.batch * 1000) / quantile(throughput, 0.5),
        throughputRuns: throughput.length,
      });
    } finally {
      await session.release();
    }
  }
  return rows;
}

export async function run(): Promise<BenchSection> {
  const cores = os.cpus().length;
  const threadCounts = cores > 1 ? [1, cores] : [1];
  const rows: Row[] = [];
  for (const variant of EDGENEXT_VARIANTS) rows.push(...(await measureVariant(variant, threadCounts)));

  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const lines = [
    `ONNX Runtime (onnxruntime-node, CPU execution provider, in-process) on the EdgeNeXt graphs built by`,
    `src/graph (opset 11, 224×224, synthetic weights: speed only, labels not meaningful). Machine: ${cpu},`,
    `${cores} logical cores, Node ${process.version}. Batch-1 latency: median and p90 (nearest rank) of up to`,
    `${LATENCY.maxRuns} runs after ${LATENCY.warmupRuns} warm-up runs (capped at ${LATENCY.capMs / 1000} s). Throughput: batch ${THROUGHPUT.batch},`,
    `${THROUGHPUT.batch} images / median run time of up to ${THROUGHPUT.maxRuns} runs. intraOpNumThreads as listed,`,
    `interOpNumThreads 1, graph optimisation level "all". Graph build time: median of ${BUILD_REPEATS} builds`,
    `(weight generation + graph + protobuf serialisation). Run alone for stable figures; other load inflates them.`,
    '',
    '| variant | params | graph build (ms) | ORT threads | batch-1 median (ms) | batch-1 p90 (ms) | batch-8 throughput (img/s) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.variant} | ${(EDGENEXT_VARIANT_SPECS[r.variant].parameterCount / 1e6).toFixed(2)}M | ${r.buildMs.toFixed(0)} | ` +
        `${r.threads} | ${r.latencyMedianMs.toFixed(2)} | ${r.latencyP90Ms.toFixed(2)} | ${r.throughputImagesPerS.toFixed(1)} |`,
    ),
  ];
  return { title: 'EdgeNeXt on ONNX Runtime CPU (graph builder)', markdown: lines.join('\n') };
}

if (require.main === module) {
  run()
    .then((section) => console.log(`## ${section.title}\n\n${section.markdown}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
