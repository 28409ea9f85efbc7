import { EventEmitter } from 'node:events';
import type { SignalProcess } from '../../../src/ros/stopSignals';

/** A process stand-in for the stop-signal code: signals are emitted by the test, exit codes are recorded. */
export function fakeProcess(): SignalProcess & { emitter: EventEmitter; exits: number[] } {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  return {
    emitter,
    exits,
    on: (signal, listener) => emitter.on(signal, listener),
    off: (signal, listener) => emitter.off(signal, listener),
    exit: (code) => void exits.push(code),
  };
}
