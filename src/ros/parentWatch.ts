/**
 * Stops the node when the process that started it goes away.
 *
 * SIGTERM to `ros2 launch` makes launch exit at once without signalling its children, and a killed launch signals
 * nothing at all: the node would be orphaned (re-parented to PID 1 or a subreaper) and keep running. The node's
 * parent changing is the one sign of that it can see, so it polls `process.ppid` (a cheap getppid call).
 */

export interface ParentWatchOptions {
  /** Called once, when the parent process id changes. */
  readonly onParentGone: (previousParentPid: number, currentParentPid: number) => void;
  /** Poll period. Default 500 ms, so the node stops within about half a second of its parent. */
  readonly periodMs?: number;
  /** Default: () => process.ppid. */
  readonly parentPid?: () => number;
}

/** Starts watching; returns a function that stops it. The timer never keeps the process alive on its own. */
export function watchParentProcess(options: ParentWatchOptions): () => void {
  const parentPid = options.parentPid ?? (() => process.ppid);
  const original = parentPid();
  const timer = setInterval(() => {
    const current = parentPid();
    if (current === original) return;
    clearInterval(timer);
    options.onParentGone(original, current);
  }, options.periodMs ?? 500);
  timer.unref();
  return () => clearInterval(timer);
}
