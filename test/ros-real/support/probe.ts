/** Runs probe.py (rclpy) with a spec and returns what it received: the tests' camera driver and `ros2 topic echo`. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rosEnv, type RosContext } from './rosContext';

export interface ProbeTopic {
  readonly topic: string;
  readonly type: string;
  readonly reliability?: 'reliable' | 'best_effort';
  readonly durability?: 'volatile' | 'transient_local';
  readonly depth?: number;
}

export interface ProbeSpec {
  readonly subscribe?: ReadonlyArray<ProbeTopic & { count?: number; omit?: readonly string[] }>;
  readonly publish?: ReadonlyArray<
    ProbeTopic & { subscribers?: number; period_s?: number; messages: ReadonlyArray<Record<string, unknown>> }
  >;
  readonly start_delay_s?: number;
  /** Seconds between the publishers seeing their subscribers and the first message. Default 0.5. */
  readonly settle_s?: number;
  readonly timeout_s?: number;
  readonly linger_s?: number;
}

export interface ProbeResult {
  readonly received: Record<string, Array<Record<string, unknown>>>;
  readonly published: Record<string, number>;
}

export function runProbe(context: RosContext, domainId: number, spec: ProbeSpec): Promise<ProbeResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgenext-probe-'));
  const specFile = path.join(dir, 'spec.json');
  fs.writeFileSync(specFile, JSON.stringify(spec));
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [path.join(__dirname, 'probe.py'), specFile], {
      env: rosEnv(context, domainId),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      fs.rmSync(dir, { recursive: true, force: true });
      const lastLine = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`probe.py exited ${code}: ${lastLine}\n${stderr.slice(-3000)}`));
      try {
        resolve(JSON.parse(lastLine) as ProbeResult);
      } catch {
        reject(new Error(`probe.py printed no result: ${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      }
    });
  });
}

/** `ros2 <args>` (param set, bag play, topic ...) on the test's domain; resolves with its exit code and output. */
export function ros2(
  context: RosContext,
  domainId: number,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ros2', args, { env: rosEnv(context, domainId), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
