export { EDGENEXT_CLASSIFICATION_MSG, MSG_TEXTS, ROS_MESSAGE_TYPES, type RosMessageType } from './msgTexts';
export {
  canonicalType,
  isKnownMessageType,
  messageDefinitions,
  messageDependencies,
  ros2msgSchemaText,
} from './messageDefinitions';
export { decodeMessage, encodeMessage } from './codec';
export { decodeImageMessage, isImageType, IMAGE_TYPES } from './decodeImageMessage';
export {
  fromEdgenextClassificationMsg,
  fromRosHeader,
  toEdgenextClassificationMsg,
  toLabelInfoMsg,
  toRosHeader,
  toVisionClassificationMsg,
  type ResultProducer,
} from './convert';
export type * from './rosTypes';
