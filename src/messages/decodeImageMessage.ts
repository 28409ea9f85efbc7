import { EdgenextError, ErrorCodes } from '../core/errors';
import type { FrameHeader, ImageInput } from '../core/image';
import { decodeMessage } from './codec';
import { fromRosHeader } from './convert';
import { canonicalType } from './messageDefinitions';
import type { RosCompressedImage, RosImage } from './rosTypes';

export const IMAGE_TYPES = ['sensor_msgs/msg/Image', 'sensor_msgs/msg/CompressedImage'] as const;

/** True for sensor_msgs Image and CompressedImage, also under their old `pkg/Type` names. */
export function isImageType(type: string): boolean {
  const full = type.split('/').length === 2 ? type.replace('/', '/msg/') : type;
  return (IMAGE_TYPES as readonly string[]).includes(full);
}

/**
 * Decodes a sensor_msgs/msg/Image or CompressedImage from CDR (as received raw or stored in a bag).
 * Raw images become a RawImage whose `data` is a zero-copy view into `cdr` (keep `cdr` alive and unchanged
 * while the image is in use); compressed ones become a CompressedImage.
 * Throws EdgenextError 'malformed_frame' naming the type and the reason when the bytes do not decode or the
 * pixel data is shorter than `step * height`; 'invalid_argument' for any other type.
 */
export function decodeImageMessage(type: string, cdr: Uint8Array): { header: FrameHeader; image: ImageInput } {
  if (!isImageType(type)) {
    throw new EdgenextError(
      ErrorCodes.invalidArgument,
      `'${type}' is not an image type (expected ${IMAGE_TYPES.join(' or ')})`,
    );
  }
  const canonical = canonicalType(type);
  if (canonical === 'sensor_msgs/msg/CompressedImage') {
    const msg = decodeMessage<RosCompressedImage>(canonical, cdr);
    return { header: fromRosHeader(msg.header), image: { kind: 'compressed', format: msg.format, data: msg.data } };
  }
  const msg = decodeMessage<RosImage>(canonical, cdr);
  const needed = msg.step * msg.height;
  if (msg.data.byteLength < needed) {
    throw new EdgenextError(
      ErrorCodes.malformedFrame,
      `cannot decode ${canonical}: data has ${msg.data.byteLength} bytes, step*height = ${msg.step}*${msg.height} = ${needed}`,
    );
  }
  return {
    header: fromRosHeader(msg.header),
    image: {
      kind: 'raw',
      width: msg.width,
      height: msg.height,
      encoding: msg.encoding,
      step: msg.step,
      data: msg.data,
    },
  };
}
