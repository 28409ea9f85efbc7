import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { peakRssMiB } from '../../bench/peakRss';

describe('peakRssMiB (bench)', () => {
  it('reads VmHWM from /proc/self/status', () => {
    expect(peakRssMiB('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n')).toBe(200);
  });

  it("is a spawned child's own peak, not its parent's RSS at fork (which maxRSS reports on Linux)", () => {
    const parentHolds = Buffer.alloc(400 * 1024 * 1024, 1);
    const script = path.resolve(__dirname, '../../dist/bench/peakRss.js');
    const child = execFileSync(
      process.execPath,
      [
        '-e',
        `console.log(JSON.stringify([require(${JSON.stringify(script)}).peakRssMiB(), process.resourceUsage().maxRSS / 1024]))`,
      ],
      { encoding: 'utf8' },
    );
    const [peak, maxRss] = JSON.parse(child) as [number, number];
    expect(parentHolds[123]).toBe(1);
    // An idle node process is well under 150 MiB; the parent holds more than 400 MiB.
    expect(peak).toBeLessThan(150);
    expect(maxRss).toBeGreaterThan(400);
  });
});
