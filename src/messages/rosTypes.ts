/**
 * The ROS (snake_case) shapes of the messages, as @foxglove/rosmsg2-serialization reads and writes them.
 * Only this folder's converters turn them into the camelCase domain types.
 */
export interface RosTime {
  sec: number;
  nanosec: number;
}

export interface RosHeader {
  stamp: RosTime;
  frame_id: string;
}

export interface RosImage {
  header: RosHeader;
  height: number;
  width: number;
  encoding: string;
  is_bigendian: number;
  step: number;
  data: Uint8Array;
}

export interface RosCompressedImage {
  header: RosHeader;
  format: string;
  data: Uint8Array;
}

/** edgenext/msg/Classification (msg/Classification.msg). */
export interface RosEdgenextClassification {
  header: RosHeader;
  source_topic: string;
  model_name: string;
  backend: string;
  class_ids: Int32Array | number[];
  labels: string[];
  scores: Float32Array | number[];
  unknown: boolean;
  queue_ms: number;
  preprocess_ms: number;
  inference_ms: number;
  postprocess_ms: number;
  total_age_ms: number;
}

export interface RosObjectHypothesis {
  class_id: string;
  score: number;
}

/** vision_msgs/msg/Classification (4.1.x, Humble). */
export interface RosVisionClassification {
  header: RosHeader;
  results: RosObjectHypothesis[];
}

export interface RosVisionClass {
  class_id: number;
  class_name: string;
}

export interface RosLabelInfo {
  header: RosHeader;
  class_map: RosVisionClass[];
  threshold: number;
}

export interface RosKeyValue {
  key: string;
  value: string;
}

export interface RosDiagnosticStatus {
  level: number;
  name: string;
  message: string;
  hardware_id: string;
  values: RosKeyValue[];
}

export interface RosDiagnosticArray {
  header: RosHeader;
  status: RosDiagnosticStatus[];
}
