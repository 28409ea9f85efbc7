import { setFlagsFromString } from 'node:v8';

/**
 * V8's old-generation growth factor for processes that take camera frames (the node, replay): 1 + percent / 100.
 *
 * Why: every 1280x720 bgr8 frame arrives as a fresh 2.7 MB ArrayBuffer. The node's old generation holds about 19 MB
 * (loaded modules and their code), just above V8's 16 MB threshold for incremental marking. After a mark-compact V8
 * sets the next limit at 1.1 to 4 times the live size, by how fast that collection ran; when it ran slowly (a busy
 * machine at start-up) the limit came out about 1.4 times the heap, less than a young generation above it, and V8
 * then started a full mark-compact every 100 to 300 ms for as long as the process lived: measured on a real ROS 2
 * graph (bench/rosNode.ts), 5 to 7 ms of CPU per frame instead of under 1 ms, in about 2 of 5 starts. A fixed factor
 * of 3 keeps the limit far enough above the heap that this state cannot arise (0 of 8 starts), at the cost of an
 * old generation that may reach about 60 MB before it is collected.
 */
export const HEAP_GROWING_PERCENT = 200;

const FLAG = 'heap-growing-percent';

/** Whether the user gave node the growth factor themselves (node refuses it in NODE_OPTIONS), which then stands. */
function setByUser(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => arg.replace(/_/g, '-').startsWith(`--${FLAG}`));
}

/**
 * Sets the growth factor for this process unless the user chose one. Call once at start-up, before frames flow: V8
 * reads the factor at every mark-compact.
 */
export function setHeapGrowthForFrames(execArgv: readonly string[] = process.execArgv): boolean {
  if (setByUser(execArgv)) return false;
  setFlagsFromString(`--${FLAG}=${HEAP_GROWING_PERCENT}`);
  return true;
}
