/** Public surface of the EdgeNeXt ONNX graph builder. */
export { attr, GraphBuilder, Scope, tensor } from './GraphBuilder';
export type {
  AttributeValue,
  Attributes,
  Dim,
  ModelOptions,
  NodeOptions,
  TensorDataType,
  TensorValue,
} from './GraphBuilder';
export {
  BATCH_DIM,
  buildEdgeNeXtGraph,
  buildEdgeNeXtModel,
  GRAPH_BUILDER_VERSION,
  INPUT_NAME,
  METADATA_KEYS,
  OPSET_VERSION,
  OUTPUT_NAME,
  validateBuildArguments,
} from './buildEdgeNeXtModel';
export type { BuildOptions } from './buildEdgeNeXtModel';
export {
  EDGENEXT_VARIANT_SPECS,
  EDGENEXT_VARIANTS,
  INPUT_SIZE,
  isEdgeNeXtVariant,
  NUM_CLASSES,
  softmaxNodeNames,
} from './edgenextVariants';
export type { EdgeNeXtVariant, EdgeNeXtVariantSpec } from './edgenextVariants';
export { edgeNeXtParameterSpecs } from './edgenextParameters';
export type { ParameterKind, ParameterSpec } from './edgenextParameters';
export {
  DEFAULT_INPUT_SEED,
  DEFAULT_WEIGHT_SEED,
  generateSyntheticWeights,
  Lcg,
  syntheticInput,
} from './syntheticWeights';
export type { WeightMap } from './syntheticWeights';
export { inspectOnnxModel } from './inspectOnnxModel';
export type { OnnxModelSummary, OnnxTensorInfo } from './inspectOnnxModel';
export { synthesizeModelFile } from './synthesizeModelFile';
export type { SynthesizedModelFile, SynthesizeOptions } from './synthesizeModelFile';
export {
  CACHE_DIR_ENV,
  defaultModelCacheDir,
  ensureSyntheticModel,
  syntheticModelFileName,
} from './ensureSyntheticModel';
export type { EnsureSyntheticModelOptions } from './ensureSyntheticModel';
