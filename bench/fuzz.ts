/**
 * The fuzz suites of test/fuzz (fast-check), run longer than in `npm test` and with a fresh seed: cases tried per
 * property, crashes (an input that made anything other than a named error escape, or broke a property), hangs
 * (a case over the suites' time limit) and inputs not accounted for. Runs jest in a child process, as `npm test` does.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../src/core/packageRoot';
import type { BenchSection } from './types';

interface PropertyReport {
  readonly name: string;
  readonly cases: number;
  readonly unaccounted: number;
  readonly slowestMs: number;
}

interface JestResult {
  readonly numFailedTests: number;
  readonly testResults: readonly {
    readonly assertionResults: readonly { status: string; failureMessages: string[] }[];
  }[];
}

export async function run(): Promise<BenchSection> {
  const runs = Number(process.env.FUZZ_BENCH_RUNS ?? 50_000);
  const bagRuns = Number(process.env.FUZZ_BENCH_BAG_RUNS ?? Math.max(200, Math.floor(runs / 50)));
  const seed = Number(process.env.FUZZ_BENCH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const root = packageRoot();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgenext-fuzz-bench-'));
  const report = path.join(dir, 'outcomes.jsonl');
  const jestJson = path.join(dir, 'jest.json');
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
      'test/fuzz',
      '--maxWorkers=1',
      '--testTimeout=3600000',
      '--json',
      `--outputFile=${jestJson}`,
    ],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        FUZZ_RUNS: String(runs),
        FUZZ_BAG_RUNS: String(bagRuns),
        FUZZ_SEED: String(seed),
        FUZZ_REPORT: report,
      },
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const properties = fs.existsSync(report)
    ? fs
        .readFileSync(report, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as PropertyReport)
    : [];
  // A process abort (a native assertion) leaves no jest report: that is a crash too, and the worst kind.
  const died = !fs.existsSync(jestJson);
  const jest: JestResult = died
    ? { numFailedTests: 0, testResults: [] }
    : (JSON.parse(fs.readFileSync(jestJson, 'utf8')) as JestResult);
  fs.rmSync(dir, { recursive: true, force: true });
  const failures = jest.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed'));
  const hangs = failures.filter((f) => f.failureMessages.some((m) => m.includes('(hang)'))).length;
  const crashes = failures.length - hangs + (died ? 1 : 0);
  const total = properties.reduce((n, p) => n + p.cases, 0);
  const unaccounted = properties.reduce((n, p) => n + (Number.isFinite(p.unaccounted) ? p.unaccounted : 1), 0);
  const rows = properties.map(
    (p) => `| ${p.name} | ${p.cases} | ${p.slowestMs} ms | ${Number.isFinite(p.unaccounted) ? p.unaccounted : '?'} |`,
  );
  return {
    title: 'Fuzzing (fast-check, longer run)',
    markdown: [
      `The property-based suites of test/fuzz with ${runs} cases per property (${bagRuns} truncations and ${bagRuns} byte`,
      `flips per bag, plus every record boundary), seed ${seed}, in ${seconds.toFixed(0)} s. A crash is an input that`,
      `let anything but a named EdgenextError escape or broke a property; a hang is a case over 10 s; an unaccounted`,
      `input ended as neither a result nor a drop / error with a named cause.`,
      '',
      `**Cases tried: ${total}; crashes: ${crashes}; hangs: ${hangs}; inputs unaccounted: ${unaccounted}.**`,
      ...(died ? ['', `The jest process died (exit ${child.status}, signal ${child.signal}): see its stderr.`] : []),
      '',
      '| property | cases | slowest case | unaccounted |',
      '|---|---|---|---|',
      ...rows,
    ].join('\n'),
  };
}
