/**
 * EdgeNeXt building blocks as ONNX subgraphs, one file per timm module. Each emits the op sequence and
 * node names of torch.onnx.export (opset 11), docs/edgenext-architecture.md §2.7 and §4.
 * Shapes carry a dynamic batch: every Reshape copies the batch dimension with 0 instead of baking in 1.
 */
export { ModuleContext } from './ModuleContext';
export { conv, type ConvOptions, gelu, layerNorm, layerNorm2d, linear, mlp } from './primitives';
export { stem } from './stem';
export { downsample } from './downsample';
export { convBlock } from './convBlock';
export { positionalEncodingFourier } from './positionalEncodingFourier';
export { crossCovarianceAttention } from './crossCovarianceAttention';
export { sdtaBlock, type SdtaOptions } from './sdtaBlock';
export { head } from './head';
