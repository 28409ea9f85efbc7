/**
 * SIGINT and SIGTERM handling for the node process. rclnodejs' own SIGINT handler never exits the process while
 * other handles are alive and it has no SIGTERM handler at all (../shared/docs/ros2-integration.md §1.3), so the node installs
 * one idempotent handler for both that stops cleanly and then exits 0, well before launch escalates (5 s).
 * The same stop runs when the parent process (ros2 launch) disappears without signalling the node.
 */
import { watchParentProcess } from './parentWatch';

/** The part of `process` this needs; tests pass a fake. */
export interface SignalProcess {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  exit(code: number): void;
  /** The parent's pid; when present, a change of parent (launch gone) stops the node too. */
  readonly ppid?: number;
}

export interface StopSignalOptions {
  /** Clean shutdown; must never reject. */
  readonly stop: () => Promise<void>;
  /** If stop() has not finished after this many ms, exit 1 anyway. Default 4000 (launch sends SIGTERM at 5 s). */
  readonly graceMs?: number;
  readonly log?: (line: string) => void;
  /** Default: the real process. */
  readonly process?: SignalProcess;
  /** How often the parent pid is checked. Default 500 ms. */
  readonly parentPollMs?: number;
}

/**
 * Installs the handlers (and the parent watch); returns a function that removes them. A second signal while
 * stopping is ignored.
 */
export function installStopSignals(options: StopSignalOptions): () => void {
  const proc = options.process ?? process;
  const graceMs = options.graceMs ?? 4000;
  let stopping = false;
  const stopFor = (why: string): void => {
    if (stopping) return;
    stopping = true;
    options.log?.(`${why}: stopping`);
    const deadline = setTimeout(() => {
      options.log?.(`shutdown did not finish within ${graceMs} ms: exiting`);
      proc.exit(1);
    }, graceMs);
    // The deadline must not itself keep a finished process alive.
    deadline.unref();
    void options.stop().then(
      () => {
        clearTimeout(deadline);
        proc.exit(0);
      },
      () => {
        clearTimeout(deadline);
        proc.exit(1);
      },
    );
  };
  const onInt = (): void => stopFor('SIGINT received');
  const onTerm = (): void => stopFor('SIGTERM received');
  proc.on('SIGINT', onInt);
  proc.on('SIGTERM', onTerm);
  const stopWatching =
    proc.ppid === undefined
      ? () => undefined
      : watchParentProcess({
          parentPid: () => proc.ppid ?? 0,
          onParentGone: (before, now) => stopFor(`parent process ${before} is gone (now ${now})`),
          ...(options.parentPollMs !== undefined ? { periodMs: options.parentPollMs } : {}),
        });
  return () => {
    stopWatching();
    proc.off('SIGINT', onInt);
    proc.off('SIGTERM', onTerm);
  };
}
