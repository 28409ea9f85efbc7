/**
 * CI only (.ci/ros-checks.sh): proves that the real rclnodejs 2.2.0 module satisfies the project's declarations in
 * src/ros/rcl.ts. Every rclnodejs call the node makes goes through `Rcl`, so a wrong name, argument type or return
 * type there fails this check against the real typings.
 */
import rclnodejs from 'rclnodejs';
import type { Rcl } from '../../src/ros/rcl';

type RealHandles = {
  qos: rclnodejs.QoS;
  parameter: rclnodejs.Parameter;
  descriptor: rclnodejs.ParameterDescriptor;
  range: rclnodejs.FloatingPointRange | rclnodejs.IntegerRange;
};

export const rcl: Rcl<RealHandles> = rclnodejs;
