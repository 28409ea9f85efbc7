#!/usr/bin/env node
/**
 * Entry point of the ROS 2 node: lib/edgenext/classify execs `node dist/src/ros/main.js --ros-args ...`.
 * Composes the real parts; without ROS or rclnodejs it prints one line saying what is missing and exits 1.
 */
import { decodeImageMessage } from '../messages';
import { createPipeline } from '../pipeline';
import { setHeapGrowthForFrames } from '../runtime/heapGrowth';
import { openClassifier } from '../runtime/openClassifier';
import { loadRclnodejs } from './rclnodejsAdapter';
import { runNode } from './runNode';

if (require.main === module) {
  setHeapGrowthForFrames();
  void runNode({ loadRcl: () => loadRclnodejs(), openClassifier, createPipeline, decodeImageMessage });
}
