/**
 * The ROS 2 node. rclnodejs is loaded only by rclnodejsAdapter (dynamically); everything else here works against the
 * project's own declarations in rcl.ts.
 */
export { ClassifierNode, imageTypeForTopic, OUTPUT_TOPICS, OUTPUT_TYPES, startupFailureLine } from './ClassifierNode';
export type { ClassifierNodeDeps, ClassifierNodeOptions } from './ClassifierNode';
export { buildDiagnostics, DiagnosticLevels } from './diagnostics';
export { PARAMETER_SPECS, type NodeSettings, type ParameterSpec } from './parameters';
export { checkRosEnvironment, loadRclnodejs, RCLNODEJS_VERSION } from './rclnodejsAdapter';
export { runNode, type RunNodeOptions } from './runNode';
export { installStopSignals } from './stopSignals';
export type { Rcl, RclNode } from './rcl';
export type { CreatePipeline, DecodeImageMessage, NodeClassifier, OpenClassifier } from './ports';
