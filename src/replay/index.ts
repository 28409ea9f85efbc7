export { checkReplayBag, replayBag } from './replayBag';
export { ResultsSink, resultsTopicFor, RESULT_TYPE } from './ResultsSink';
export type * from './types';
export { formatReplaySummary } from './formatReplaySummary';
