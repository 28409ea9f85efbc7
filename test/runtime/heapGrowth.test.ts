import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { HEAP_GROWING_PERCENT, setHeapGrowthForFrames } from '../../src/runtime/heapGrowth';

/**
 * The factor V8 applies at its next mark-compact, as its own trace reports it ("[HeapController] Limit: old size:
 * 2624 KB, new limit: 11822 KB (3.0)"),
 * in a fresh process that calls setHeapGrowthForFrames (from the built dist/, as the node does) and then collects.
 */
function factorAfterCollection(nodeFlags: string[], env: NodeJS.ProcessEnv = {}): string {
  const module = path.resolve(__dirname, '../../dist/src/runtime/heapGrowth.js');
  const script = `require(${JSON.stringify(module)}).setHeapGrowthForFrames(); globalThis.gc();`;
  const out = execFileSync(process.execPath, [...nodeFlags, '--expose-gc', '--trace-gc-verbose', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  const factor = /\[HeapController\] Limit: .*\(([\d.]+)\)/.exec(out);
  if (factor === null) throw new Error(`no heap controller line in V8's trace:\n${out.slice(0, 2000)}`);
  return factor[1] as string;
}

describe('setHeapGrowthForFrames', () => {
  it('makes V8 grow the old generation by the fixed factor at the next mark-compact', () => {
    expect(factorAfterCollection([])).toBe((1 + HEAP_GROWING_PERCENT / 100).toFixed(1));
  });

  it("leaves a factor the user gave on node's command line", () => {
    expect(factorAfterCollection(['--heap-growing-percent=50'])).toBe('1.5');
  });

  it("recognises the user's flag in either spelling, and says whether it set the factor", () => {
    expect(setHeapGrowthForFrames(['--max-old-space-size=512', '--heap_growing_percent=30'])).toBe(false);
    expect(setHeapGrowthForFrames(['--heap-growing-percent=10'])).toBe(false);
    expect(setHeapGrowthForFrames(['--max-old-space-size=512'])).toBe(true);
  });
});
