import { parse } from '@foxglove/rosmsg';
import { ros2humble } from '@foxglove/rosmsg-msgs-common';
import { EdgenextError, ErrorCodes } from '../core/errors';
import { MSG_TEXTS, type RosMessageType } from './msgTexts';

type MessageDefinition = ReturnType<typeof parse>[number];

const PRIMITIVES = new Set([
  'bool',
  'byte',
  'char',
  'float32',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'string',
  'wstring',
]);

/** rosbag2 writes exactly 80 '=' between the definitions of a ros2msg schema. */
const SEPARATOR = '='.repeat(80);

/**
 * Canonical `pkg/msg/Type` name of a type this module knows; also accepts the ROS 1 style `pkg/Type`
 * that old bags and rosmsg-msgs-common use. Throws EdgenextError 'invalid_argument' for other types.
 */
export function canonicalType(type: string): RosMessageType {
  const parts = type.split('/');
  const full = parts.length === 2 ? `${parts[0]}/msg/${parts[1]}` : type;
  if (full in MSG_TEXTS) return full as RosMessageType;
  throw new EdgenextError(
    ErrorCodes.invalidArgument,
    `unknown message type '${type}' (edgenext only encodes/decodes ${Object.keys(MSG_TEXTS).join(', ')})`,
  );
}

export function isKnownMessageType(type: string): boolean {
  try {
    canonicalType(type);
    return true;
  } catch {
    return false;
  }
}

/** `pkg/msg/Type` -> `pkg/Type`, the form used in `MSG:` lines and by rosmsg-msgs-common. */
function shortName(type: RosMessageType): string {
  return type.replace('/msg/', '/');
}

/** Types of the complex fields of one .msg text, resolved to full names (same-package names get the package). */
function directDependencies(type: RosMessageType): RosMessageType[] {
  const pkg = type.split('/')[0] ?? '';
  const deps: RosMessageType[] = [];
  for (const rawLine of MSG_TEXTS[type].split('\n')) {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '') continue;
    const fieldType = (line.split(/\s+/)[0] ?? '').replace(/\[.*\]$/, '').replace(/<=\d+$/, '');
    if (PRIMITIVES.has(fieldType)) continue;
    const dep = canonicalType(fieldType.includes('/') ? fieldType : `${pkg}/${fieldType}`);
    if (!deps.includes(dep)) deps.push(dep);
  }
  return deps;
}

/** Every type `type` depends on, depth-first pre-order, each once (the order a Humble recording writes). */
export function messageDependencies(type: string): RosMessageType[] {
  const root = canonicalType(type);
  const seen: RosMessageType[] = [];
  const visit = (t: RosMessageType): void => {
    for (const dep of directDependencies(t)) {
      if (dep === root || seen.includes(dep)) continue;
      seen.push(dep);
      visit(dep);
    }
  };
  visit(root);
  return seen;
}

/**
 * The ros2msg schema text rosbag2 stores for `type`: the root .msg text, then for each dependency a line of
 * 80 '=', `MSG: pkg/Type` and that type's text.
 */
export function ros2msgSchemaText(type: string): string {
  const root = canonicalType(type);
  let text: string = MSG_TEXTS[root];
  for (const dep of messageDependencies(root)) {
    text += `\n${SEPARATOR}\nMSG: ${shortName(dep)}\n${MSG_TEXTS[dep]}`;
  }
  return text;
}

const commonDefinitions: Record<string, MessageDefinition | undefined> = ros2humble;
const definitionCache = new Map<RosMessageType, MessageDefinition[]>();

/** The one definition of `type` alone: from rosmsg-msgs-common when it has the type, else parsed from our text. */
function ownDefinition(type: RosMessageType): MessageDefinition {
  const common = commonDefinitions[shortName(type)];
  if (common !== undefined) return common;
  const [root] = parse(ros2msgSchemaText(type), { ros2: true });
  if (root === undefined) throw new Error(`no definition parsed for ${type}`);
  return { ...root, name: shortName(type) };
}

/** Definitions for @foxglove/rosmsg2-serialization: root first, then every dependency. Cached per type. */
export function messageDefinitions(type: string): MessageDefinition[] {
  const root = canonicalType(type);
  let defs = definitionCache.get(root);
  if (defs === undefined) {
    defs = [ownDefinition(root), ...messageDependencies(root).map(ownDefinition)];
    definitionCache.set(root, defs);
  }
  return defs;
}
