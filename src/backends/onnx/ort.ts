/**
 * The only module that imports onnxruntime-node. Everything else (the worker that owns sessions,
 * tests that run built graphs, `models info`) goes through here.
 */
import * as ort from 'onnxruntime-node';

export { ort };
export type OrtSession = ort.InferenceSession;
