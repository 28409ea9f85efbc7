import type { Classification, ClassScore } from '../core/classification';
import type { FrameHeader } from '../core/image';
import type { RosEdgenextClassification, RosHeader, RosLabelInfo, RosVisionClassification } from './rosTypes';

/**
 * The one boundary between ROS snake_case message shapes and the camelCase domain types.
 */

export function fromRosHeader(header: RosHeader): FrameHeader {
  return { stamp: { sec: header.stamp.sec, nanosec: header.stamp.nanosec }, frameId: header.frame_id };
}

export function toRosHeader(header: FrameHeader): RosHeader {
  return { stamp: { sec: header.stamp.sec, nanosec: header.stamp.nanosec }, frame_id: header.frameId };
}

/** What the result message says about the model that produced it. */
export interface ResultProducer {
  /** Model name as the runtime reports it. */
  readonly modelName: string;
  /** 'bpu' or 'onnx'. */
  readonly backend: string;
}

/** Domain Classification -> edgenext/msg/Classification. `source_topic` is the classification's source. */
export function toEdgenextClassificationMsg(
  result: Classification,
  producer: ResultProducer,
): RosEdgenextClassification {
  return {
    header: toRosHeader(result.header),
    source_topic: result.source,
    model_name: producer.modelName,
    backend: producer.backend,
    class_ids: result.topK.map((c) => c.classId),
    labels: result.topK.map((c) => c.label),
    scores: result.topK.map((c) => c.score),
    unknown: result.unknown,
    queue_ms: result.timings.queueMs,
    preprocess_ms: result.timings.preprocessMs,
    inference_ms: result.timings.inferenceMs,
    postprocess_ms: result.timings.postprocessMs,
    total_age_ms: result.timings.totalAgeMs,
  };
}

/** edgenext/msg/Classification -> domain Classification (scores come back as float32). */
export function fromEdgenextClassificationMsg(msg: RosEdgenextClassification): Classification {
  const topK: ClassScore[] = Array.from(msg.class_ids, (classId, i) => ({
    classId,
    label: msg.labels[i] ?? '',
    score: msg.scores[i] ?? Number.NaN,
  }));
  return {
    source: msg.source_topic,
    header: fromRosHeader(msg.header),
    topK,
    unknown: msg.unknown,
    timings: {
      queueMs: msg.queue_ms,
      preprocessMs: msg.preprocess_ms,
      inferenceMs: msg.inference_ms,
      postprocessMs: msg.postprocess_ms,
      totalAgeMs: msg.total_age_ms,
    },
  };
}

/**
 * Domain Classification -> vision_msgs/msg/Classification (4.1.x). `class_id` is the decimal class index;
 * the names travel once in LabelInfo (see toLabelInfoMsg).
 */
export function toVisionClassificationMsg(result: Classification): RosVisionClassification {
  return {
    header: toRosHeader(result.header),
    results: result.topK.map((c) => ({ class_id: String(c.classId), score: c.score })),
  };
}

/** vision_msgs/msg/LabelInfo for a label list: class_id i -> labels[i]. `threshold` default 0. */
export function toLabelInfoMsg(labels: readonly string[], header: FrameHeader, threshold = 0): RosLabelInfo {
  return {
    header: toRosHeader(header),
    class_map: labels.map((name, id) => ({ class_id: id, class_name: name })),
    threshold,
  };
}
