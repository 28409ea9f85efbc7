import type { X5Reference } from '../model/modelCatalog';
import type { BackendLabel } from '../runtime/backendLabel';
import type { LoadResult } from './measureLoad';

/** One model's measurements and what to compare them with. */
export interface BenchRow {
  readonly name: string;
  readonly catalogEntry: string;
  readonly modelName: string;
  readonly ranOn: BackendLabel;
  readonly syntheticWeights: boolean;
  /** Parameter count (millions) read from the ONNX graph; undefined for a .bin. */
  readonly paramsM?: number;
  readonly x5?: X5Reference;
  /** One inference in flight. */
  readonly single: LoadResult;
  /** One result per stream count measured, in the order asked. */
  readonly multi: readonly LoadResult[];
}

const DASH = '—';

function ms(value: number): string {
  return value.toFixed(2);
}

function ratio(measured: number, reference: number | undefined): string {
  return reference === undefined ? DASH : `${(measured / reference).toFixed(2)}×`;
}

function backendCell(row: BenchRow): string {
  if (row.ranOn.backend === 'onnx') return 'onnx (CPU)';
  return row.ranOn.emulated ? 'bpu EMULATOR (emulated latency)' : 'bpu (RDK X5)';
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

/** The multi-stream result shown in the main table: the largest stream count measured. */
export function headlineMulti(row: BenchRow): LoadResult {
  return row.multi.reduce((best, r) => (r.streams > best.streams ? r : best), row.multi[0] ?? row.single);
}

/**
 * The RDK X5 model zoo's performance table with the measured figures beside the zoo's X5 figures and the ratio
 * (measured / X5: above 1 means slower latency, or more FPS). Accuracy columns are the zoo's own (a benchmark
 * measures no accuracy). Emulated BPU rows say "emulated" in every measured cell.
 */
export function formatZooTable(rows: readonly BenchRow[]): string[] {
  const emulatedMark = (row: BenchRow): string => (row.ranOn.emulated ? ' (emulated)' : '');
  const main = table(
    [
      'model',
      'backend',
      'params (M)',
      'X5 zoo float / quantised Top-1',
      'latency 1 thread, median / p99 (ms)',
      'X5 zoo 1 thread (ms)',
      'ratio',
      'latency N threads, mean (ms)',
      'X5 zoo multi-thread (ms)',
      'FPS (N threads)',
      'X5 zoo FPS',
      'ratio',
    ],
    rows.map((row) => {
      const multi = headlineMulti(row);
      return [
        row.name,
        backendCell(row),
        row.paramsM !== undefined ? row.paramsM.toFixed(2) : (row.x5?.paramsM.toFixed(2) ?? DASH) + ' (zoo)',
        row.x5 !== undefined ? `${row.x5.floatTop1.toFixed(2)} / ${row.x5.quantizedTop1.toFixed(2)}` : DASH,
        `${ms(row.single.medianMs)} / ${ms(row.single.p99Ms)}${emulatedMark(row)}`,
        row.x5 !== undefined ? ms(row.x5.latency1ThreadMs) : DASH,
        ratio(row.single.medianMs, row.x5?.latency1ThreadMs),
        `${ms(multi.meanMs)} (N=${multi.streams})${emulatedMark(row)}`,
        row.x5 !== undefined ? ms(row.x5.latencyMultiThreadMs) : DASH,
        `${multi.fps.toFixed(1)}${emulatedMark(row)}`,
        row.x5 !== undefined ? row.x5.fps.toFixed(2) : DASH,
        ratio(multi.fps, row.x5?.fps),
      ];
    }),
  );
  const lines = [...main];
  if (rows.some((row) => row.multi.length > 1)) {
    lines.push(
      '',
      ...table(
        ['model', 'backend', 'streams (N)', 'frames', 'FPS', 'latency median (ms)', 'p99 (ms)', 'mean (ms)'],
        rows.flatMap((row) =>
          [row.single, ...row.multi.filter((r) => r !== row.single)].map((r) => [
            row.name,
            backendCell(row),
            String(r.streams),
            String(r.frames),
            r.fps.toFixed(1),
            ms(r.medianMs),
            ms(r.p99Ms),
            ms(r.meanMs),
          ]),
        ),
      ),
    );
  }
  lines.push('');
  for (const row of rows) {
    const notes = [
      row.syntheticWeights ? 'synthetic weights (same graph as the real model, so the same speed)' : '',
      row.ranOn.emulated
        ? 'EMULATED latency: the emulator completes each task after its configured latency (native/README.md); not a board measurement'
        : '',
    ].filter((n) => n !== '');
    lines.push(
      `${row.name}: ${row.modelName} measured on ${row.ranOn.text}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
    );
  }
  lines.push(
    'X5 zoo columns: RDK X5 model zoo figures (224x224, BPU Bayes-e @ 1 GHz), from the catalogue; ratio = measured / X5.',
  );
  return lines;
}
