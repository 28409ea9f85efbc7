/**
 * `ros2 launch edgenext classify.launch.py` as a user runs it, in a pipe (as from systemd or a script) or on a
 * pseudo-terminal (as from an interactive shell, through `script`), with the processes it starts found by a tag in
 * their environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { rosEnv, type RosContext } from './rosContext';

export interface LaunchOptions {
  readonly domainId: number;
  readonly args?: Record<string, string>;
  /** Run launch on a pseudo-terminal (stdin is a tty: Humble's launch is then "interactive"). Default false. */
  readonly tty?: boolean;
  readonly env?: Record<string, string>;
}

export interface ProcessEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const TAG = 'EDGENEXT_TEST_LAUNCH_TAG';

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Pids of live processes whose environment holds `tag` (zombies have no readable environ and are not alive). */
export function taggedProcesses(tag: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (environ.includes(`${TAG}=${tag}`)) found.push({ pid, cmdline: cmdline(pid) });
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3 (after the parenthesised name) is the state; Z = zombie, already dead.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export class LaunchedNode {
  readonly tag = randomUUID();
  readonly #child: ChildProcess;
  #output = '';
  readonly ended: Promise<ProcessEnd>;

  constructor(context: RosContext, options: LaunchOptions) {
    const args = Object.entries(options.args ?? {}).map(([k, v]) => `${k}:=${v}`);
    const command = ['ros2', 'launch', 'edgenext', 'classify.launch.py', ...args];
    const env = rosEnv(context, options.domainId, { ...options.env, [TAG]: this.tag });
    this.#child = options.tty
      ? spawn('script', ['-qfec', command.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' '), '/dev/null'], {
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
        })
      : spawn(command[0] ?? 'ros2', command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stdout?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    this.#child.stderr?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    this.ended = new Promise((resolve) => this.#child.on('close', (code, signal) => resolve({ code, signal })));
  }

  get output(): string {
    return this.#output;
  }

  /** Resolves once the output matches `pattern` `times` times; rejects with the output so far after `timeoutMs`. */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000, times = 1): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    while ((this.#output.match(global)?.length ?? 0) < times) {
      if (Date.now() > deadline)
        throw new Error(`no ${pattern} in the launch output within ${timeoutMs} ms:\n${this.#output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits until the node has subscribed to its `cameras` camera topics (after loading and warming up the model). */
  ready(cameras = 1, timeoutMs = 90_000): Promise<void> {
    return this.waitForOutput(/subscribed to /, timeoutMs, cameras);
  }

  /** The `ros2 launch` process and the node process (node dist/src/ros/main.js), found by this launch's tag. */
  processes(): { launch: number | undefined; node: number | undefined } {
    const tagged = taggedProcesses(this.tag);
    return {
      launch: tagged.find(
        (p) => / launch edgenext classify\.launch\.py/.test(p.cmdline) && !p.cmdline.startsWith('script'),
      )?.pid,
      node: tagged.find((p) => p.cmdline.includes('dist/src/ros/main.js'))?.pid,
    };
  }

  /** Ends everything this launch started (for afterEach), whatever state it is in. */
  async kill(): Promise<void> {
    for (const { pid } of taggedProcesses(this.tag)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.#child.kill('SIGKILL');
    await this.ended;
  }
}

/** Resolves with how long `pid` took to exit, or rejects after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (isAlive(pid)) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`process ${pid} (${cmdline(pid)}) still runs after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}
