/**
 * The only module that imports sharp (libvips), as src/backends/onnx/ort.ts is for onnxruntime-node: everything
 * else takes `sharp` from here, so the native dependency has one door.
 */
import sharp from 'sharp';

export { sharp };
