/**
 * Child process of bench/replay.ts: replays one bag at --max-speed and prints what it did and the process's peak
 * resident memory as one JSON line. Run apart so that the peak belongs to the replay alone.
 */
import { replayBag } from '../src/replay';
import { openClassifier } from '../src/runtime/openClassifier';
import { peakRssMiB } from './peakRss';

export interface LargeReplayReport {
  readonly frames: number;
  readonly classified: number;
  readonly droppedTotal: number;
  readonly wallMs: number;
  /** This process's own peak RSS in MiB (VmHWM: see peakRss.ts for why not maxRSS). */
  readonly peakRssMiB: number;
  readonly error: string | undefined;
}

async function main(bagPath: string): Promise<void> {
  const classifier = await openClassifier({});
  try {
    const summary = await replayBag({ bagPath, pace: { mode: 'max_speed' } }, classifier);
    const report: LargeReplayReport = {
      frames: summary.frames,
      classified: summary.classified,
      droppedTotal: summary.droppedTotal,
      wallMs: summary.wallMs,
      peakRssMiB: peakRssMiB(),
      error: summary.error,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await classifier.close();
  }
}

if (require.main === module) {
  main(process.argv[2] ?? '').catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
