/**
 * The node's ROS parameters: one table (name, type, default, range, description, whether it can change live),
 * declared with descriptors, validated with a reason a user can act on, and converted to `NodeSettings` in one place.
 */
import { EdgenextError, ErrorCodes } from '../core/errors';
import { RESIZE_POLICIES } from '../core/preprocessing';
import { BACKEND_CHOICES, type BackendChoice } from '../model/resolveModel';
import { AGE_REFERENCES, QUEUE_POLICIES, type AgeReference, type QueuePolicy } from '../pipeline';
import {
  ParameterTypes,
  type DeclaredParameterType,
  type Rcl,
  type RclNode,
  type RclParameter,
  type RclRange,
} from './rcl';

export const QOS_RELIABILITIES = ['best_effort', 'reliable'] as const;
export type QosReliability = (typeof QOS_RELIABILITIES)[number];
export const RESIZE_CHOICES = ['', ...RESIZE_POLICIES] as const;
export type ResizeChoice = (typeof RESIZE_CHOICES)[number];

/** Everything the node reads from its parameters, in camelCase domain units. */
export interface NodeSettings {
  readonly model: string;
  readonly backend: BackendChoice;
  readonly imageTopics: readonly string[];
  readonly topK: number;
  readonly scoreThreshold: number;
  readonly queuePolicy: QueuePolicy;
  readonly queueDepth: number;
  readonly maxAgeMs: number;
  readonly ageReference: AgeReference;
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  readonly maxInflight: number;
  readonly qosReliability: QosReliability;
  readonly qosDepth: number;
  readonly onnxThreads: number;
  readonly bpuLibrary: string;
  readonly bpuPriority: number;
  readonly bpuCoreMask: number;
  readonly bpuTaskTimeoutMs: number;
  readonly resize: ResizeChoice;
  readonly diagnosticsPeriodS: number;
  readonly dropWarnRatio: number;
  readonly smoothingAlpha: number;
  readonly publishAnnotated: boolean;
  readonly annotatedMaxRate: number;
}

type Kind = 'bool' | 'integer' | 'double' | 'string' | 'string_array';

interface SpecBase<K extends keyof NodeSettings> {
  readonly name: string;
  readonly key: K;
  readonly description: string;
  /** False: `ros2 param set` is refused (the value is used once, at start). */
  readonly live: boolean;
}

export type ParameterSpec =
  | (SpecBase<keyof NodeSettings> & { readonly kind: 'bool'; readonly default: boolean })
  | (SpecBase<keyof NodeSettings> & {
      readonly kind: 'integer';
      readonly default: number;
      readonly min: number;
      readonly max: number;
    })
  | (SpecBase<keyof NodeSettings> & {
      readonly kind: 'double';
      readonly default: number;
      readonly min: number;
      readonly max: number;
    })
  | (SpecBase<keyof NodeSettings> & {
      readonly kind: 'string';
      readonly default: string;
      readonly choices?: readonly string[];
    })
  | (SpecBase<keyof NodeSettings> & { readonly kind: 'string_array'; readonly default: readonly string[] });

/** The parameter table (also rendered in docs/ros.md). Order is declaration order. */
export const PARAMETER_SPECS: readonly ParameterSpec[] = [
  {
    name: 'model',
    key: 'model',
    kind: 'string',
    default: '',
    live: false,
    description:
      "Model variant from config/models.yaml (e.g. 'xx_small') or a .onnx/.bin file path; '' = bundled synthetic xx_small",
  },
  {
    name: 'backend',
    key: 'backend',
    kind: 'string',
    default: 'auto',
    choices: BACKEND_CHOICES,
    live: false,
    description: 'Inference backend: auto (bpu when libdnn loads and the model has a .bin), bpu or onnx',
  },
  {
    name: 'image_topics',
    key: 'imageTopics',
    kind: 'string_array',
    default: ['image'],
    live: false,
    description:
      "Camera topics; a name whose last segment is 'compressed' is sensor_msgs/CompressedImage, others sensor_msgs/Image",
  },
  {
    name: 'top_k',
    key: 'topK',
    kind: 'integer',
    default: 5,
    min: 1,
    max: 100,
    live: true,
    description: 'Classes per result, best first',
  },
  {
    name: 'score_threshold',
    key: 'scoreThreshold',
    kind: 'double',
    default: 0.0,
    min: 0,
    max: 1,
    live: true,
    description: "A result whose best score is below this is flagged 'unknown' (0..1)",
  },
  {
    name: 'queue_policy',
    key: 'queuePolicy',
    kind: 'string',
    default: 'latest',
    choices: QUEUE_POLICIES,
    live: true,
    description: 'Per-camera buffer: latest (newest frame only), drop_oldest or drop_newest (with queue_depth)',
  },
  {
    name: 'queue_depth',
    key: 'queueDepth',
    kind: 'integer',
    default: 1,
    min: 1,
    max: 1000,
    live: true,
    description: 'Frames buffered per camera for drop_oldest / drop_newest',
  },
  {
    name: 'max_age_ms',
    key: 'maxAgeMs',
    kind: 'integer',
    default: 0,
    min: 0,
    max: 3_600_000,
    live: true,
    description: 'Frames older than this (ms) are dropped as stale before inference; 0 = no limit',
  },
  {
    name: 'age_reference',
    key: 'ageReference',
    kind: 'string',
    default: 'stamp',
    choices: AGE_REFERENCES,
    live: true,
    description: "What a frame's age is measured from: its header stamp or its receive time",
  },
  {
    name: 'max_batch',
    key: 'maxBatch',
    kind: 'integer',
    default: 1,
    min: 1,
    max: 64,
    live: true,
    description: 'Most frames per inference call (capped by the backend)',
  },
  {
    name: 'max_wait_ms',
    key: 'maxWaitMs',
    kind: 'integer',
    default: 0,
    min: 0,
    max: 1000,
    live: true,
    description: 'How long (ms) a partial batch may wait for more frames',
  },
  {
    name: 'max_inflight',
    key: 'maxInflight',
    kind: 'integer',
    default: 2,
    min: 1,
    max: 32,
    live: false,
    description: 'Inference calls (BPU tasks) in flight at once',
  },
  {
    name: 'qos_reliability',
    key: 'qosReliability',
    kind: 'string',
    default: 'best_effort',
    choices: QOS_RELIABILITIES,
    live: false,
    description: 'Camera subscription reliability: best_effort (receives from every publisher) or reliable',
  },
  {
    name: 'qos_depth',
    key: 'qosDepth',
    kind: 'integer',
    default: 1,
    min: 1,
    max: 100,
    live: false,
    description: 'Camera subscription history depth (KEEP_LAST); 1 keeps only the newest frame in DDS',
  },
  {
    name: 'onnx_threads',
    key: 'onnxThreads',
    kind: 'integer',
    default: 0,
    min: 0,
    max: 256,
    live: false,
    description: 'ONNX Runtime intra-op threads; 0 = its default',
  },
  {
    name: 'bpu_library',
    key: 'bpuLibrary',
    kind: 'string',
    default: '',
    live: false,
    description: "Path of libdnn.so; '' = the board's default",
  },
  {
    name: 'bpu_priority',
    key: 'bpuPriority',
    kind: 'integer',
    default: 0,
    min: 0,
    max: 255,
    live: false,
    description: 'BPU task priority (0 lowest, 255 preempts)',
  },
  {
    name: 'bpu_core_mask',
    key: 'bpuCoreMask',
    kind: 'integer',
    default: 0,
    min: 0,
    max: 255,
    live: false,
    description: 'BPU core mask; 0 = any core',
  },
  {
    name: 'bpu_task_timeout_ms',
    key: 'bpuTaskTimeoutMs',
    kind: 'integer',
    default: 1000,
    min: 10,
    max: 60000,
    live: false,
    description:
      'A BPU task still running after this long counts as hung: its frame is dropped (backend_error) and the node ' +
      'still stops within about this time plus 0.5 s',
  },
  {
    name: 'resize',
    key: 'resize',
    kind: 'string',
    default: '',
    choices: RESIZE_CHOICES,
    live: false,
    description: "Resize policy override: stretch, letterbox or center_crop; '' = the model's own",
  },
  {
    name: 'diagnostics_period',
    key: 'diagnosticsPeriodS',
    kind: 'double',
    default: 1.0,
    min: 0.05,
    max: 3600,
    live: true,
    description: 'Seconds between /diagnostics messages',
  },
  {
    name: 'drop_warn_ratio',
    key: 'dropWarnRatio',
    kind: 'double',
    default: 0.5,
    min: 0,
    max: 1,
    live: true,
    description: 'A camera is WARN when more than this fraction of its frames in a diagnostics period was dropped',
  },
  {
    name: 'smoothing_alpha',
    key: 'smoothingAlpha',
    kind: 'double',
    default: 0.0,
    min: 0,
    max: 1,
    live: true,
    description: 'EMA weight of the newest scores on ~/classification/smoothed; 0 = smoothing off',
  },
  {
    name: 'publish_annotated',
    key: 'publishAnnotated',
    kind: 'bool',
    default: false,
    live: true,
    description: 'Publish ~/image_annotated (the frame with its top-k drawn) while someone subscribes',
  },
  {
    name: 'annotated_max_rate',
    key: 'annotatedMaxRate',
    kind: 'double',
    default: 5.0,
    min: 0.1,
    max: 120,
    live: true,
    description: 'Most ~/image_annotated images per second (all cameras together); results beyond it are not drawn',
  },
];

const SPEC_BY_NAME = new Map(PARAMETER_SPECS.map((spec) => [spec.name, spec]));

export function parameterSpec(name: string): ParameterSpec | undefined {
  return SPEC_BY_NAME.get(name);
}

function rosType(kind: Kind): DeclaredParameterType {
  switch (kind) {
    case 'bool':
      return ParameterTypes.bool;
    case 'integer':
      return ParameterTypes.integer;
    case 'double':
      return ParameterTypes.double;
    case 'string':
      return ParameterTypes.string;
    case 'string_array':
      return ParameterTypes.stringArray;
  }
}

const TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'not set',
  1: 'bool',
  2: 'integer',
  3: 'double',
  4: 'string',
  5: 'byte array',
  6: 'bool array',
  7: 'integer array',
  8: 'double array',
  9: 'string array',
};

type SettingValue = NodeSettings[keyof NodeSettings];

/**
 * Converts and checks one parameter value. Returns the domain value, or a reason naming the parameter, the value
 * and what is allowed. Integers arrive as bigint from rclnodejs; a YAML `1` for a double parameter arrives as an
 * integer, which is refused with the hint to write `1.0`.
 */
export function convertParameter(
  spec: ParameterSpec,
  type: number,
  value: unknown,
): { value: SettingValue } | { reason: string } {
  const expected = rosType(spec.kind);
  if (type !== expected) {
    const hint =
      spec.kind === 'double' && type === ParameterTypes.integer
        ? ' (write doubles with a decimal point, e.g. 1.0)'
        : '';
    return {
      reason: `parameter ${spec.name} must be ${TYPE_NAMES[expected]}, got ${TYPE_NAMES[type] ?? `type ${type}`}${hint}`,
    };
  }
  switch (spec.kind) {
    case 'bool':
      if (typeof value !== 'boolean') return { reason: `parameter ${spec.name} must be true or false` };
      return { value };
    case 'integer':
    case 'double': {
      const n = typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : Number.NaN;
      if (!Number.isFinite(n))
        return { reason: `parameter ${spec.name} must be a finite number, got ${String(value)}` };
      if (spec.kind === 'integer' && !Number.isInteger(n))
        return { reason: `parameter ${spec.name} must be an integer, got ${n}` };
      if (n < spec.min || n > spec.max) {
        return { reason: `parameter ${spec.name} = ${n} is out of range [${spec.min}, ${spec.max}]` };
      }
      return { value: n };
    }
    case 'string': {
      if (typeof value !== 'string') return { reason: `parameter ${spec.name} must be a string` };
      if (spec.choices !== undefined && !spec.choices.includes(value)) {
        return {
          reason: `parameter ${spec.name} = '${value}' is not one of: ${spec.choices.map((c) => `'${c}'`).join(', ')}`,
        };
      }
      return { value };
    }
    case 'string_array': {
      if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
        return { reason: `parameter ${spec.name} must be a string array` };
      }
      if (value.length === 0) return { reason: `parameter ${spec.name} must name at least one topic` };
      if (value.some((v) => v.trim() === '')) return { reason: `parameter ${spec.name} holds an empty topic name` };
      if (new Set(value).size !== value.length) return { reason: `parameter ${spec.name} names a topic twice` };
      return { value: [...value] };
    }
  }
}

function rangeFor(rcl: Rcl, spec: ParameterSpec): RclRange | undefined {
  if (spec.kind === 'integer') return new rcl.IntegerRange(BigInt(spec.min), BigInt(spec.max), 1n);
  // step 0: rclnodejs' FloatingPointRange defaults to step 1, which would refuse 0.5.
  if (spec.kind === 'double') return new rcl.FloatingPointRange(spec.min, spec.max, 0);
  return undefined;
}

function defaultValue(spec: ParameterSpec): boolean | bigint | number | string | string[] {
  switch (spec.kind) {
    case 'bool':
      return spec.default;
    case 'integer':
      return BigInt(spec.default);
    case 'double':
      return spec.default;
    case 'string':
      return spec.default;
    case 'string_array':
      return [...spec.default];
  }
}

/**
 * Declares every parameter with its descriptor (type, description, range, read-only) and returns the settings
 * (defaults, overridden by the params file and `-p` arguments). Throws EdgenextError invalid_config naming the
 * parameter when an override has the wrong type or an invalid value.
 */
export function declareNodeParameters(rcl: Rcl, node: RclNode): NodeSettings {
  const settings: Record<string, SettingValue> = {};
  for (const spec of PARAMETER_SPECS) {
    const type = rosType(spec.kind);
    const range = rangeFor(rcl, spec);
    const descriptor = new rcl.ParameterDescriptor(spec.name, type, spec.description, !spec.live, range);
    let declared: RclParameter;
    try {
      declared = node.declareParameter(new rcl.Parameter(spec.name, type, defaultValue(spec)), descriptor);
    } catch (error) {
      // rclnodejs' own text for a type mismatch is "Parameter x does not  readonly": say what is wrong instead.
      throw new EdgenextError(
        ErrorCodes.invalidConfig,
        `parameter ${spec.name}: the override does not fit its declaration (${TYPE_NAMES[type]}` +
          `${spec.kind === 'integer' || spec.kind === 'double' ? ` in [${spec.min}, ${spec.max}]` : ''}` +
          `${spec.kind === 'double' ? ', written with a decimal point' : ''}): ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const converted = convertParameter(spec, declared.type, declared.value);
    if ('reason' in converted) throw new EdgenextError(ErrorCodes.invalidConfig, converted.reason);
    settings[spec.key] = converted.value;
  }
  return settings as unknown as NodeSettings;
}

/**
 * Validates a `ros2 param set` batch: a read-only parameter or a bad value refuses the whole batch with the reason.
 * Parameters the node does not own (use_sim_time, qos_overrides...) pass through.
 */
export function validateParameterChanges(parameters: readonly RclParameter[]): { successful: boolean; reason: string } {
  for (const parameter of parameters) {
    const spec = parameterSpec(parameter.name);
    if (spec === undefined) continue;
    if (!spec.live)
      return {
        successful: false,
        reason:
          `parameter ${spec.name} is read-only while the node runs: restart the node with the new value ` +
          `(-p ${spec.name}:=<value>, the params file, or the launch argument)`,
      };
    const converted = convertParameter(spec, parameter.type, parameter.value);
    if ('reason' in converted) return { successful: false, reason: converted.reason };
  }
  return { successful: true, reason: '' };
}

/** Applies an accepted batch to `settings`; returns the new settings and the keys that changed. */
export function applyParameterChanges(
  settings: NodeSettings,
  parameters: readonly RclParameter[],
): { settings: NodeSettings; changed: ReadonlySet<keyof NodeSettings> } {
  const next: Record<string, SettingValue> = { ...settings };
  const changed = new Set<keyof NodeSettings>();
  for (const parameter of parameters) {
    const spec = parameterSpec(parameter.name);
    if (spec === undefined || !spec.live) continue;
    const converted = convertParameter(spec, parameter.type, parameter.value);
    if ('reason' in converted) continue;
    if (next[spec.key] !== converted.value) changed.add(spec.key);
    next[spec.key] = converted.value;
  }
  return { settings: next as unknown as NodeSettings, changed };
}
