/**
 * SIGINT and SIGTERM handling for the node process. rclnodejs' own SIGINT handler never exits the process while
 * other handles are alive and it has no SIGTERM handler at all (docs/ros2-integration.md §1.3), so the node installs
 * one idempotent handler for both that stops cleanly and then exits 0, well before launch escalates (5 s).
 */

/** The part of `process` this needs; tests pass a fake. */
export interface SignalProcess {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  exit(code: number): void;
}

export interface StopSignalOptions {
  /** Clean shutdown; must never reject. */
  readonly stop: () => Promise<void>;
  /** If stop() has not finished after this many ms, exit 1 anyway. Default 4000 (launch sends SIGTERM at 5 s). */
  readonly graceMs?: number;
  readonly log?: (line: string) => void;
  /** Default: the real process. */
  readonly process?: SignalProcess;
}

/** Installs the handlers; returns a function that removes them. A second signal while stopping is ignored. */
export function installStopSignals(options: StopSignalOptions): () => void {
  const proc = options.process ?? process;
  const graceMs = options.graceMs ?? 4000;
  let stopping = false;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    if (stopping) return;
    stopping = true;
    options.log?.(`${signal} received: stopping`);
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
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  proc.on('SIGINT', onInt);
  proc.on('SIGTERM', onTerm);
  return () => {
    proc.off('SIGINT', onInt);
    proc.off('SIGTERM', onTerm);
  };
}
