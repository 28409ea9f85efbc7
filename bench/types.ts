/** One section of BENCHMARKS.md, produced by one bench/<area>.ts module. */
export interface BenchSection {
  readonly title: string;
  /** Markdown body: a short note on what was measured and how, then a table. */
  readonly markdown: string;
}

export type BenchModule = { run(): Promise<BenchSection> };
