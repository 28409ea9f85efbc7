import { runInThisContext } from 'node:vm';

/**
 * Import this before the ONNX Runtime module in a Jest test that runs sessions in-process.
 *
 * Jest runs each test file in a vm context with its own typed-array constructors, but onnxruntime-node
 * creates output buffers in Node's main realm; onnxruntime-common's `instanceof Float32Array` check then
 * rejects them ("A float32 tensor's data must be type of Float32Array"). Using the main realm's
 * constructor in the test context makes both sides agree. Plain `node` (the CLI, the bench) needs none of this.
 */
const hostFloat32Array = runInThisContext('Float32Array') as Float32ArrayConstructor;
if (globalThis.Float32Array !== hostFloat32Array) globalThis.Float32Array = hostFloat32Array;
