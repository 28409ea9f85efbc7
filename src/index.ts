/**
 * The edgenext library: open a classifier (ONNX Runtime on the CPU or the BPU through libdnn), classify images,
 * and run the frame pipeline over your own frame sources.
 *
 * ```ts
 * import { openClassifier, classifyImage } from 'edgenext';
 * const classifier = await openClassifier({ model: 'xx_small' });
 * const { topK } = await classifyImage(classifier, 'photo.jpg');
 * if (!classifier.card.labelsMeaningful) console.warn(classifier.card.labelsNote);
 * await classifier.close();
 * ```
 */
export { openClassifier, type Classifier, type ClassifierOptions, type ModelCard } from './runtime/openClassifier';
export { classifyImage, type ImageClassification } from './runtime/classifyImage';
export { classifierPipeline } from './runtime/classifierPipeline';
export {
  createPipeline,
  validatePipelineOptions,
  DEFAULT_PIPELINE_OPTIONS,
  type Frame,
  type PipelineOptions,
  type PipelineDeps,
  type ClassificationPipeline,
  type PipelineStatsSnapshot,
} from './pipeline';
export type { Classification, ClassScore } from './core/classification';
export type { FrameHeader, ImageInput, RawImage, CompressedImage } from './core/image';
export { EdgenextError, ErrorCodes, isEdgenextError } from './core/errors';
export { openBag, type BagReader, type BagMessage } from './bag';
export { decodeImageMessage } from './messages';
