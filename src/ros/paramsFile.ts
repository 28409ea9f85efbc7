/**
 * The node's parameters file (what `--params-file` and the launch file give the node) read without ROS, so that
 * `edgenext replay --params` runs the pipeline exactly as the node would with the same file.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { EdgenextError, ErrorCodes, errorMessage } from '../core/errors';
import { convertParameter, PARAMETER_SPECS, parameterSpec, type NodeSettings } from './parameters';
import { ParameterTypes } from './rcl';

/** A YAML value as rcl types it: `1` is an integer, `1.0` a double, and lists take their items' type. */
function rclTyped(node: Node, text: string): { type: number; value: unknown } | undefined {
  if (isScalar(node)) {
    const value = node.value;
    if (typeof value === 'boolean') return { type: ParameterTypes.bool, value };
    if (typeof value === 'string') return { type: ParameterTypes.string, value };
    if (typeof value === 'number') {
      const source = node.range ? text.slice(node.range[0], node.range[1]).trim() : String(value);
      return /^[-+]?(0x[0-9a-f]+|\d+)$/i.test(source)
        ? { type: ParameterTypes.integer, value: BigInt(value) }
        : { type: ParameterTypes.double, value };
    }
    return undefined;
  }
  if (isSeq(node)) {
    const items = node.items.map((item) => (item as Node | null) ?? undefined);
    const typed = items.map((item) => (item === undefined ? undefined : rclTyped(item, text)));
    if (typed.every((t) => t?.type === ParameterTypes.string))
      return { type: ParameterTypes.stringArray, value: typed.map((t) => t?.value) };
    if (typed.every((t) => t?.type === ParameterTypes.integer))
      return { type: ParameterTypes.integerArray, value: typed.map((t) => t?.value) };
    if (typed.every((t) => t?.type === ParameterTypes.double))
      return { type: ParameterTypes.doubleArray, value: typed.map((t) => t?.value) };
    return undefined;
  }
  return undefined;
}

function defaults(): Record<string, unknown> {
  return Object.fromEntries(PARAMETER_SPECS.map((spec) => [spec.key, spec.default]));
}

/**
 * The settings a node named `nodeName` would start with from `file`: the defaults, then the `/**` section, then
 * the node's own section (as rcl applies them). Parameters the node does not own are ignored, as the node ignores
 * them. Throws EdgenextError 'file_not_found' when the file cannot be read, 'invalid_config' naming the file and
 * the parameter when a value has the wrong type or is out of range (the node's own reasons).
 */
export async function readNodeParamsFile(file: string, nodeName = 'classifier'): Promise<NodeSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new EdgenextError(ErrorCodes.fileNotFound, `${file}: cannot read parameters file (${errorMessage(error)})`, {
      cause: error,
    });
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new EdgenextError(ErrorCodes.invalidConfig, `${file}: not valid YAML (${document.errors[0]?.message ?? ''})`);
  }
  const root = document.contents;
  if (!isMap(root)) throw new EdgenextError(ErrorCodes.invalidConfig, `${file}: expected a map of node names`);
  const settings = defaults();
  let found = false;
  for (const section of ['/**', nodeName]) {
    const node = root.get(section, true);
    if (!isMap(node)) continue;
    const params = node.get('ros__parameters', true);
    if (!isMap(params)) continue;
    found = true;
    for (const pair of params.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const spec = parameterSpec(name);
      if (spec === undefined) continue;
      const typed = pair.value ? rclTyped(pair.value as Node, text) : undefined;
      const converted = typed
        ? convertParameter(spec, typed.type, typed.value)
        : { reason: `parameter ${name} has a value rcl cannot type` };
      if ('reason' in converted) throw new EdgenextError(ErrorCodes.invalidConfig, `${file}: ${converted.reason}`);
      settings[spec.key] = converted.value;
    }
  }
  if (!found) {
    throw new EdgenextError(
      ErrorCodes.invalidConfig,
      `${file}: no '/**' or '${nodeName}' section with ros__parameters (rclnodejs reads only those)`,
    );
  }
  return settings as unknown as NodeSettings;
}
