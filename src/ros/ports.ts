/**
 * What the ROS node needs from the rest of the product. The entry point (main.ts) passes the real ones
 * (openClassifier from src/runtime, createPipeline from src/pipeline, decodeImageMessage from src/messages);
 * tests pass fakes.
 */
import type { FrameHeader, ImageInput } from '../core/image';
import type { ClassificationPipeline, PipelineDeps, PipelineOptions } from '../pipeline';
import type { Classifier, ClassifierOptions } from '../runtime/openClassifier';

/** The part of src/runtime's Classifier the node uses (a test fake needs no more). */
export type NodeClassifier = Pick<Classifier, 'backend' | 'card' | 'labels' | 'preprocess' | 'postprocess' | 'close'>;
/** src/runtime openClassifier (`typeof openClassifier` fits): loads the model and runs one warm-up inference. */
export type OpenClassifier = (options: ClassifierOptions) => Promise<NodeClassifier>;
export type CreatePipeline = (options: Partial<PipelineOptions>, deps: PipelineDeps) => ClassificationPipeline;
/** src/messages decodeImageMessage: throws EdgenextError malformed_frame for bytes that do not decode. */
export type DecodeImageMessage = (type: string, cdr: Uint8Array) => { header: FrameHeader; image: ImageInput };
