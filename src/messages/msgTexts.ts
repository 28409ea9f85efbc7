/**
 * The .msg text of every type the product reads or writes, keyed by the full ROS 2 type name.
 * Humble field lists (../shared/docs/ros2-integration.md §9), without upstream comments: comments carry no
 * meaning for decoders, and rosbag2 only needs the field list in a ros2msg schema.
 * The edgenext text is the exact content of msg/Classification.msg (a test holds them equal), embedded
 * so that an installed package never has to locate the msg folder at run time.
 */
export const EDGENEXT_CLASSIFICATION_MSG = `# One image classification from the edgenext node.
# The header is the source image's header, unchanged (stamp and frame_id), so consumers can
# time-synchronise results with the images they came from.
std_msgs/Header header

# Topic the image arrived on (or the bag topic during replay).
string source_topic

# Model that produced the result (the name the runtime reports) and the backend: "bpu" or "onnx".
string model_name
string backend

# Top-k classes, best first. class_ids index the model's label list.
int32[] class_ids
string[] labels
float32[] scores

# True when scores[0] is below the node's score_threshold: the image is not confidently any class.
bool unknown

# Milliseconds per stage for this frame.
float32 queue_ms
float32 preprocess_ms
float32 inference_ms
float32 postprocess_ms
# From the image header stamp to publication.
float32 total_age_ms
`;

export const MSG_TEXTS = {
  'builtin_interfaces/msg/Time': 'int32 sec\nuint32 nanosec\n',
  'std_msgs/msg/Header': 'builtin_interfaces/Time stamp\nstring frame_id\n',
  'sensor_msgs/msg/Image':
    'std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n',
  'sensor_msgs/msg/CompressedImage': 'std_msgs/Header header\nstring format\nuint8[] data\n',
  'edgenext/msg/Classification': EDGENEXT_CLASSIFICATION_MSG,
  'vision_msgs/msg/ObjectHypothesis': 'string class_id\nfloat64 score\n',
  'vision_msgs/msg/Classification': 'std_msgs/Header header\nObjectHypothesis[] results\n',
  'vision_msgs/msg/VisionClass': 'uint16 class_id\nstring class_name\n',
  'vision_msgs/msg/LabelInfo': 'std_msgs/Header header\nVisionClass[] class_map\nfloat32 threshold\n',
  'diagnostic_msgs/msg/KeyValue': 'string key\nstring value\n',
  'diagnostic_msgs/msg/DiagnosticStatus':
    'byte OK=0\nbyte WARN=1\nbyte ERROR=2\nbyte STALE=3\n\nbyte level\nstring name\nstring message\nstring hardware_id\nKeyValue[] values\n',
  'diagnostic_msgs/msg/DiagnosticArray': 'std_msgs/Header header\nDiagnosticStatus[] status\n',
} as const;

export type RosMessageType = keyof typeof MSG_TEXTS;

export const ROS_MESSAGE_TYPES = Object.keys(MSG_TEXTS) as RosMessageType[];
