/**
 * Message definitions and CDR for the double's "DDS": every message crosses the fake wire as CDR, so what a test
 * reads back is what a real subscriber would decode, and a message that does not fit its definition fails.
 */
import { parse } from '@foxglove/rosmsg';
import { ros2humble } from '@foxglove/rosmsg-msgs-common';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import { isKnownMessageType, messageDefinitions } from '../../../src/messages';

type MessageDefinition = ReturnType<typeof parse>[number];
type Field = MessageDefinition['definitions'][number];

const EXTRA_TYPES: Record<string, MessageDefinition[]> = {
  'std_msgs/msg/String': [ros2humble['std_msgs/String'] as MessageDefinition],
  // What rclnodejs' TimeSource subscribes to under use_sim_time.
  'rosgraph_msgs/msg/Clock': [ros2humble['rosgraph_msgs/Clock'] as MessageDefinition],
};

const VISION_PREFIX = 'vision_msgs/';

export class MessageNotFoundError extends Error {
  readonly code = 'MESSAGE_NOT_FOUND';
  constructor(type: string) {
    super(`The message type '${type}' is not found: check that its package is installed and messages are generated`);
    this.name = 'ValidationError';
  }
}

export class DoubleCodec {
  readonly #visionMsgs: boolean;
  readonly #writers = new Map<string, MessageWriter>();
  readonly #readers = new Map<string, MessageReader>();

  constructor(options: { visionMsgs: boolean }) {
    this.#visionMsgs = options.visionMsgs;
  }

  /** Definitions (root first) of a known type; throws MESSAGE_NOT_FOUND like rclnodejs for anything else. */
  definitions(type: string): MessageDefinition[] {
    if (!type.includes('/msg/')) throw new MessageNotFoundError(type);
    if (type.startsWith(VISION_PREFIX) && !this.#visionMsgs) throw new MessageNotFoundError(type);
    const extra = EXTRA_TYPES[type];
    if (extra !== undefined) return extra;
    if (!isKnownMessageType(type)) throw new MessageNotFoundError(type);
    return messageDefinitions(type);
  }

  encode(type: string, message: unknown): Uint8Array {
    let writer = this.#writers.get(type);
    if (writer === undefined) {
      writer = new MessageWriter(this.definitions(type));
      this.#writers.set(type, writer);
    }
    return writer.writeMessage(message);
  }

  decode<T>(type: string, cdr: Uint8Array): T {
    let reader = this.#readers.get(type);
    if (reader === undefined) {
      reader = new MessageReader(this.definitions(type));
      this.#readers.set(type, reader);
    }
    return reader.readMessage<T>(cdr);
  }

  /**
   * What rclnodejs does to a plain object before sending it: unknown keys dropped (or, strict, refused), missing keys
   * given defaults, and TypedArray fields copied from offset 0 of their backing buffer with the view's length
   * (the real bug of docs/ros2-integration.md §0 fact 5, reproduced so that a subarray publish shows up in tests).
   */
  normalize(type: string, message: unknown, options: { strict: boolean }): unknown {
    const defs = this.definitions(type);
    const byName = new Map(defs.map((d) => [d.name ?? '', d]));
    const root = defs[0];
    if (root === undefined) throw new MessageNotFoundError(type);
    return normalizeObject(root, byName, message, options.strict, type);
  }
}

function defaultFor(field: Field, byName: Map<string, MessageDefinition>): unknown {
  if (field.isArray) return [];
  if (field.isComplex) {
    const def = byName.get(field.type);
    return def === undefined ? {} : normalizeObject(def, byName, {}, false, field.type);
  }
  if (field.type === 'string') return '';
  if (field.type === 'bool') return false;
  if (field.type === 'int64' || field.type === 'uint64') return 0n;
  return 0;
}

function normalizeObject(
  def: MessageDefinition,
  byName: Map<string, MessageDefinition>,
  value: unknown,
  strict: boolean,
  path: string,
): Record<string, unknown> {
  if (value === null || typeof value !== 'object')
    throw new TypeError(`${path}: expected an object, got ${typeof value}`);
  const fields = def.definitions.filter((f) => f.isConstant !== true);
  const known = new Set(fields.map((f) => f.name));
  if (strict) {
    for (const key of Object.keys(value)) {
      if (!known.has(key)) throw new TypeError(`${path}: unknown field '${key}' (rclnodejs would drop it silently)`);
    }
  }
  const input = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const v = input[field.name];
    if (v === undefined) {
      out[field.name] = defaultFor(field, byName);
      continue;
    }
    if (field.isComplex) {
      const nested = byName.get(field.type);
      if (nested === undefined) throw new TypeError(`${path}.${field.name}: no definition for ${field.type}`);
      out[field.name] = field.isArray
        ? (v as unknown[]).map((item, i) =>
            normalizeObject(nested, byName, item, strict, `${path}.${field.name}[${i}]`),
          )
        : normalizeObject(nested, byName, v, strict, `${path}.${field.name}`);
      continue;
    }
    if (field.isArray && ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const view = v as unknown as {
        constructor: new (b: ArrayBufferLike, o: number, l: number) => unknown;
        buffer: ArrayBufferLike;
        length: number;
      };
      out[field.name] = new view.constructor(view.buffer, 0, view.length);
      continue;
    }
    out[field.name] = v;
  }
  return out;
}
