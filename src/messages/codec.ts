import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { canonicalType, messageDefinitions } from './messageDefinitions';
import type { RosMessageType } from './msgTexts';

const readers = new Map<RosMessageType, MessageReader>();
const writers = new Map<RosMessageType, MessageWriter>();

function readerFor(type: RosMessageType): MessageReader {
  let reader = readers.get(type);
  if (reader === undefined) {
    reader = new MessageReader(messageDefinitions(type));
    readers.set(type, reader);
  }
  return reader;
}

function writerFor(type: RosMessageType): MessageWriter {
  let writer = writers.get(type);
  if (writer === undefined) {
    writer = new MessageWriter(messageDefinitions(type));
    writers.set(type, writer);
  }
  return writer;
}

/**
 * Serializes a ROS-shaped (snake_case) message to CDR, including the 4-byte encapsulation header
 * (little-endian plain CDR), exactly as rmw and rosbag2 store it.
 * Throws EdgenextError 'invalid_argument' for an unknown type or a value that does not fit the definition.
 */
export function encodeMessage(type: string, value: unknown): Uint8Array {
  const canonical = canonicalType(type);
  try {
    return writerFor(canonical).writeMessage(value);
  } catch (error) {
    throw new EdgenextError(ErrorCodes.invalidArgument, `cannot encode ${canonical}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/**
 * Decodes CDR bytes (with encapsulation header) into a ROS-shaped object: snake_case fields, times as
 * `{sec, nanosec}`, `uint8[]` as a zero-copy Uint8Array view into `cdr`.
 * Throws EdgenextError 'malformed_frame' naming the type and the reason when the bytes do not decode.
 */
export function decodeMessage<T = unknown>(type: string, cdr: Uint8Array): T {
  const canonical = canonicalType(type);
  if (cdr.byteLength < 4) {
    throw new EdgenextError(
      ErrorCodes.malformedFrame,
      `cannot decode ${canonical}: ${cdr.byteLength} bytes is shorter than the 4-byte CDR header`,
    );
  }
  try {
    return readerFor(canonical).readMessage<T>(cdr);
  } catch (error) {
    throw new EdgenextError(ErrorCodes.malformedFrame, `cannot decode ${canonical}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}
