export { openReplayBag, replayBag, replayOpenedBag, type OpenedReplayBag } from './replayBag';
export {
  makeImageBag,
  BAG_IMAGE_ENCODINGS,
  type BagImageEncoding,
  type MadeBag,
  type MakeImageBagOptions,
} from './makeImageBag';
export { listImageFrames, type FrameFile } from './listImageFrames';
export { ResultsSink, resultsTopicFor, RESULT_TYPE } from './ResultsSink';
export type * from './types';
export { formatReplaySummary } from './formatReplaySummary';
