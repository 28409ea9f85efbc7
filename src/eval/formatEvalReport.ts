import type { EvalReport } from './evaluateModels';

/** How each evaluated model ran, for the lines under the table. */
export interface EvalModelNote {
  readonly name: string;
  /** The backend label (see runtime/backendLabel). */
  readonly ranOn: string;
  readonly syntheticWeights: boolean;
  readonly emulated: boolean;
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

/**
 * The report as markdown tables: Top-1 / Top-5 side by side, then pairwise parity, then (on request) per class.
 * Every model with synthetic weights or on the BPU emulator gets a line saying its figures mean nothing about
 * EdgeNeXt's accuracy.
 */
export function formatEvalReport(
  report: EvalReport,
  notes: readonly EvalModelNote[],
  options: { readonly dataset: string; readonly perClass?: boolean },
): string[] {
  const unreadable = report.unreadable.length;
  const lines = [
    `${options.dataset}: ${report.evaluated} of ${report.images} images evaluated` +
      (unreadable > 0 ? ` (${unreadable} unreadable, left out for every model)` : ''),
    '',
    ...table(
      ['model', 'backend', 'Top-1', 'Top-5'],
      report.models.map((m) => [
        m.name,
        m.backend,
        `${percent(m.top1)} (${m.top1Correct}/${report.evaluated})`,
        `${percent(m.top5)} (${m.top5Correct}/${report.evaluated})`,
      ]),
    ),
  ];
  if (report.pairs.length > 0) {
    lines.push(
      '',
      ...table(
        ['pair', 'top-1 agreement', 'mean top-1 prob difference', 'max top-1 prob difference'],
        report.pairs.map((p) => [
          `${p.a} vs ${p.b}`,
          percent(p.top1Agreement),
          p.meanTop1ProbabilityDifference.toFixed(4),
          p.maxTop1ProbabilityDifference.toFixed(4),
        ]),
      ),
    );
  }
  if (options.perClass === true) {
    lines.push(
      '',
      ...table(
        ['class', 'label', 'images', ...report.models.map((m) => `Top-1 ${m.name}`)],
        report.perClass.map((c) => [
          String(c.classId),
          c.label,
          String(c.images),
          ...c.top1Correct.map((hits) => `${percent(hits / c.images)} (${hits})`),
        ]),
      ),
    );
  }
  lines.push('');
  for (const note of notes) {
    const caveats = [
      note.syntheticWeights ? 'SYNTHETIC WEIGHTS: its accuracy says nothing about EdgeNeXt' : '',
      note.emulated ? 'BPU EMULATOR: its outputs follow the emulator rule, not the network' : '',
    ].filter((c) => c !== '');
    lines.push(`${note.name}: ${note.ranOn}${caveats.length > 0 ? ` — ${caveats.join('; ')}` : ''}`);
  }
  return lines;
}
