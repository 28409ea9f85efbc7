import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from '@foxglove/rosmsg';
import { ros2humble } from '@foxglove/rosmsg-msgs-common';
import type { Classification } from '../../src/core/classification';
import { EdgenextError } from '../../src/core/errors';
import {
  decodeImageMessage,
  decodeMessage,
  EDGENEXT_CLASSIFICATION_MSG,
  encodeMessage,
  fromEdgenextClassificationMsg,
  messageDefinitions,
  ros2msgSchemaText,
  ROS_MESSAGE_TYPES,
  toEdgenextClassificationMsg,
  toLabelInfoMsg,
  toVisionClassificationMsg,
  type RosDiagnosticArray,
  type RosEdgenextClassification,
  type RosImage,
  type RosLabelInfo,
  type RosVisionClassification,
} from '../../src/messages';

const SEP = '='.repeat(80);

function imageMsg(width: number, height: number, encoding = 'rgb8'): RosImage {
  const step = width * 3;
  const data = new Uint8Array(step * height).map((_, i) => (i * 7) % 256);
  return {
    header: { stamp: { sec: 1700000000, nanosec: 123456789 }, frame_id: 'cam' },
    height,
    width,
    encoding,
    is_bigendian: 0,
    step,
    data,
  };
}

function caughtError(fn: () => unknown): EdgenextError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EdgenextError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('message definitions', () => {
  it('embeds msg/Classification.msg byte for byte', () => {
    const file = readFileSync(path.resolve(__dirname, '../../msg/Classification.msg'), 'utf8');
    expect(EDGENEXT_CLASSIFICATION_MSG).toBe(file);
  });

  it('writes ros2msg schemas as a Humble recording does: root text, 80 "=", MSG: pkg/Type, depth first', () => {
    expect(ros2msgSchemaText('sensor_msgs/msg/Image')).toBe(
      'std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n' +
        `\n${SEP}\nMSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n` +
        `\n${SEP}\nMSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n`,
    );
    const vision = ros2msgSchemaText('vision_msgs/msg/Classification');
    expect(
      vision
        .split('\nMSG: ')
        .slice(1)
        .map((s) => s.split('\n')[0]),
    ).toEqual(['std_msgs/Header', 'builtin_interfaces/Time', 'vision_msgs/ObjectHypothesis']);
    expect(ros2msgSchemaText('sensor_msgs/Image')).toBe(ros2msgSchemaText('sensor_msgs/msg/Image'));
  });

  it('parses every schema with @foxglove/rosmsg and agrees with rosmsg-msgs-common where it has the type', () => {
    const common: Record<string, unknown> = ros2humble;
    for (const type of ROS_MESSAGE_TYPES) {
      const parsed = parse(ros2msgSchemaText(type), { ros2: true });
      expect(parsed.length).toBe(messageDefinitions(type).length);
      const short = type.replace('/msg/', '/');
      if (common[short] !== undefined) {
        expect({ ...parsed[0], name: short }).toEqual(common[short]);
      }
    }
  });

  it('rejects an unknown type with invalid_argument naming it', () => {
    const error = caughtError(() => encodeMessage('geometry_msgs/msg/Pose', {}));
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('geometry_msgs/msg/Pose');
  });
});

describe('CDR codec', () => {
  it('round-trips an Image with a little-endian CDR header, decoding data as a zero-copy view', () => {
    const msg = imageMsg(4, 2);
    const cdr = encodeMessage('sensor_msgs/msg/Image', msg);
    expect(Array.from(cdr.subarray(0, 4))).toEqual([0, 1, 0, 0]);
    const back = decodeMessage<RosImage>('sensor_msgs/msg/Image', cdr);
    expect(back.header).toEqual(msg.header);
    expect(back.width).toBe(4);
    expect(Array.from(back.data)).toEqual(Array.from(msg.data));
    expect(back.data.buffer).toBe(cdr.buffer);
  });

  it('decodeImageMessage gives a RawImage with header and a view into the CDR bytes', () => {
    const cdr = encodeMessage('sensor_msgs/msg/Image', imageMsg(3, 2, 'bgr8'));
    const { header, image } = decodeImageMessage('sensor_msgs/msg/Image', cdr);
    expect(header).toEqual({ stamp: { sec: 1700000000, nanosec: 123456789 }, frameId: 'cam' });
    expect(image).toMatchObject({ kind: 'raw', width: 3, height: 2, encoding: 'bgr8', step: 9 });
    if (image.kind !== 'raw') throw new Error('raw expected');
    expect(image.data.byteLength).toBe(18);
    expect(image.data.buffer).toBe(cdr.buffer);
    cdr[cdr.byteLength - 1] = 250;
    expect(image.data[17]).toBe(250);
  });

  it('decodeImageMessage gives a CompressedImage', () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const cdr = encodeMessage('sensor_msgs/msg/CompressedImage', {
      header: { stamp: { sec: 5, nanosec: 6 }, frame_id: 'f' },
      format: 'jpeg',
      data: jpeg,
    });
    const { header, image } = decodeImageMessage('sensor_msgs/CompressedImage', cdr);
    expect(header.stamp).toEqual({ sec: 5, nanosec: 6 });
    expect(image.kind).toBe('compressed');
    expect(image.kind === 'compressed' && image.format).toBe('jpeg');
    expect(Array.from(image.data)).toEqual(Array.from(jpeg));
  });

  it.each([
    ['truncated', (b: Uint8Array) => b.subarray(0, 30), 'sensor_msgs/msg/Image'],
    ['shorter than the CDR header', (b: Uint8Array) => b.subarray(0, 2), 'shorter than the 4-byte CDR header'],
  ])('decodeImageMessage reports malformed_frame for %s bytes', (_name, cut, expected) => {
    const cdr = encodeMessage('sensor_msgs/msg/Image', imageMsg(8, 8));
    const error = caughtError(() => decodeImageMessage('sensor_msgs/msg/Image', cut(cdr)));
    expect(error.code).toBe('malformed_frame');
    expect(error.message).toContain(expected);
  });

  it('reports malformed_frame when data is shorter than step*height', () => {
    const msg = { ...imageMsg(4, 4), data: new Uint8Array(10) };
    const error = caughtError(() =>
      decodeImageMessage('sensor_msgs/msg/Image', encodeMessage('sensor_msgs/msg/Image', msg)),
    );
    expect(error.code).toBe('malformed_frame');
    expect(error.message).toContain('data has 10 bytes, step*height = 12*4 = 48');
  });

  it('refuses a non-image type', () => {
    expect(caughtError(() => decodeImageMessage('std_msgs/msg/String', new Uint8Array(8))).code).toBe(
      'invalid_argument',
    );
  });

  it('round-trips diagnostics with constants and nested arrays', () => {
    const msg: RosDiagnosticArray = {
      header: { stamp: { sec: 1, nanosec: 2 }, frame_id: '' },
      status: [
        {
          level: 2,
          name: 'edgenext: backend',
          message: 'slow',
          hardware_id: 'rdk-x5',
          values: [{ key: 'fps', value: '12.5' }],
        },
      ],
    };
    expect(
      decodeMessage('diagnostic_msgs/msg/DiagnosticArray', encodeMessage('diagnostic_msgs/msg/DiagnosticArray', msg)),
    ).toEqual(msg);
  });
});

describe('converters', () => {
  const result: Classification = {
    source: '/camera/image_raw',
    header: { stamp: { sec: 10, nanosec: 500 }, frameId: 'camera' },
    topK: [
      { classId: 340, label: 'zebra', score: 0.75 },
      { classId: 1, label: 'goldfish', score: 0.125 },
    ],
    unknown: false,
    timings: { queueMs: 1.5, preprocessMs: 2.25, inferenceMs: 8, postprocessMs: 0.5, totalAgeMs: 12.25 },
  };

  it('Classification -> edgenext/msg/Classification -> CDR -> back', () => {
    const msg = toEdgenextClassificationMsg(result, { modelName: 'EdgeNeXt_xx_small', backend: 'onnx' });
    expect(msg).toMatchObject({
      source_topic: '/camera/image_raw',
      model_name: 'EdgeNeXt_xx_small',
      backend: 'onnx',
      class_ids: [340, 1],
    });
    const decoded = decodeMessage<RosEdgenextClassification>(
      'edgenext/msg/Classification',
      encodeMessage('edgenext/msg/Classification', msg),
    );
    expect(decoded.model_name).toBe('EdgeNeXt_xx_small');
    expect(fromEdgenextClassificationMsg(decoded)).toEqual(result);
  });

  it('Classification -> vision_msgs Classification with decimal class ids, and LabelInfo', () => {
    const msg = toVisionClassificationMsg(result);
    expect(msg.results).toEqual([
      { class_id: '340', score: 0.75 },
      { class_id: '1', score: 0.125 },
    ]);
    expect(
      decodeMessage<RosVisionClassification>(
        'vision_msgs/msg/Classification',
        encodeMessage('vision_msgs/msg/Classification', msg),
      ),
    ).toEqual(msg);
    const info = toLabelInfoMsg(['a', 'b'], result.header, 0.25);
    expect(
      decodeMessage<RosLabelInfo>('vision_msgs/msg/LabelInfo', encodeMessage('vision_msgs/msg/LabelInfo', info)),
    ).toEqual(info);
  });
});
