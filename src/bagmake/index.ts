/** `edgenext bag make`: image files and frame folders (EuRoC data.csv stamps) into a single-topic image bag. */
export {
  makeImageBag,
  BAG_IMAGE_ENCODINGS,
  type BagImageEncoding,
  type MadeBag,
  type MakeImageBagOptions,
} from './makeImageBag';
export { listImageFrames, type FrameFile } from './listImageFrames';
