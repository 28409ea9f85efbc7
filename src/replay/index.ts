export { openReplayBag, replayBag, replayOpenedBag, type OpenedReplayBag } from './replayBag';
export { ResultsSink, resultsTopicFor, RESULT_TYPE } from './ResultsSink';
export type * from './types';
export { formatReplaySummary } from './formatReplaySummary';
