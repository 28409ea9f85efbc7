/**
 * Test helpers for the BPU backend: builds the C emulator when it is missing, writes emulator model
 * descriptions into a temporary folder, and makes NV12 frames.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmulatorProbe } from '../../../src/backends/bpu/libdnn';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const EMULATOR_LIB = path.join(REPO_ROOT, 'build/native/libdnn_emulator.so');
export const EXAMPLE_MODEL = path.join(REPO_ROOT, 'native/models/EdgeNeXt_xx_small_224x224_nv12.emu.json');

/** Builds build/native/libdnn_emulator.so with `make -C native` unless it is already there. */
export function ensureEmulator(): string {
  if (!fs.existsSync(EMULATOR_LIB)) {
    execFileSync('make', ['-s', '-C', path.join(REPO_ROOT, 'native')], { stdio: 'inherit' });
  }
  // The emulator prints a libdnn-like banner on first load; keep test output clean.
  process.env.HB_EMU_QUIET = '1';
  return EMULATOR_LIB;
}

let probe: EmulatorProbe | null = null;
export function emulatorProbe(): EmulatorProbe {
  probe ??= new EmulatorProbe(ensureEmulator());
  return probe;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'edgenext-bpu-'));
}

export function writeModel(dir: string, fileName: string, description: unknown): string {
  const file = path.join(dir, fileName);
  fs.writeFileSync(file, typeof description === 'string' ? description : JSON.stringify(description, null, 2));
  return file;
}

/** A uniform NV12 frame: every luma byte = level, chroma neutral. */
export function grayNv12(width: number, height: number, level: number): Uint8Array {
  const data = new Uint8Array((width * height * 3) / 2).fill(128);
  data.fill(level, 0, width * height);
  return data;
}

export function nv12Input(width: number, height: number, data: Uint8Array) {
  return { format: 'nv12' as const, width, height, data };
}

/** The emulator's documented class: round(mean luma * (n - 1) / 255), halves rounded up. */
export function expectedClass(meanLumaNumerator: number, pixels: number, n: number): number {
  return Math.floor((2 * meanLumaNumerator * (n - 1) + 255 * pixels) / (2 * 255 * pixels));
}

/** The emulator's documented intended value of element i (before quantisation). */
export function intendedValue(i: number, k: number, logits: { high: number; low: number; step: number }): number {
  return i === k ? logits.high : logits.low + logits.step * (i % 7);
}

/** C round(): halves away from zero. */
export function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

export function indexOfMax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

export function expectNoLeaks(p: EmulatorProbe): void {
  expect({
    allocations: p.counter('live_allocations'),
    tasks: p.counter('live_tasks'),
    packed: p.counter('live_packed_handles'),
  }).toEqual({ allocations: 0, tasks: 0, packed: 0 });
}
