/**
 * /diagnostics content: one DiagnosticStatus per camera and one for the backend, from two consecutive pipeline
 * snapshots (levels judge the last period, values show the totals since start).
 */
import type { RosDiagnosticArray, RosDiagnosticStatus, RosKeyValue, RosTime } from '../messages';
import { DROP_CAUSES, type DropCause, type PipelineStatsSnapshot, type SourceStats } from '../pipeline';
import { plural } from '../core/plural';

/** diagnostic_msgs/DiagnosticStatus level constants. */
export const DiagnosticLevels = { ok: 0, warn: 1, error: 2, stale: 3 } as const;

/** Frames the node refused before they reached the pipeline (CDR that does not decode), per source. */
export type NodeRejections = ReadonlyMap<string, number>;

export interface DiagnosticsInput {
  readonly nodeName: string;
  readonly stamp: RosTime;
  readonly modelName: string;
  readonly backendKind: string;
  readonly current: PipelineStatsSnapshot;
  /** The snapshot of the previous period; undefined for the first message. */
  readonly previous?: PipelineStatsSnapshot;
  readonly rejections: NodeRejections;
  readonly previousRejections?: NodeRejections;
  /** A camera is WARN when more than this fraction of its frames in the period was dropped. */
  readonly dropWarnRatio: number;
}

/** One diagnostic_msgs/KeyValue; numbers as integers or with two decimals. */
export function kv(key: string, value: string | number): RosKeyValue {
  return { key, value: typeof value === 'number' ? formatNumber(value) : value };
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function sourceStatus(input: DiagnosticsInput, source: SourceStats): RosDiagnosticStatus {
  const before = input.previous?.sources.find((s) => s.name === source.name);
  const rejected = input.rejections.get(source.name) ?? 0;
  const rejectedBefore = input.previousRejections?.get(source.name) ?? 0;
  const received = source.received + rejected;
  const dropped: Record<DropCause, number> = { ...source.dropped };
  dropped.malformed += rejected;
  const droppedTotal = source.droppedTotal + rejected;
  const receivedInPeriod = received - ((before?.received ?? 0) + rejectedBefore);
  const droppedInPeriod = droppedTotal - ((before?.droppedTotal ?? 0) + rejectedBefore);

  let level: number = DiagnosticLevels.ok;
  let message: string;
  const causes = DROP_CAUSES.filter((cause) => dropped[cause] > 0).map((cause) => `${cause} ${dropped[cause]}`);
  if (receivedInPeriod <= 0) {
    level = DiagnosticLevels.warn;
    message = received === 0 ? 'no frames received yet' : 'no frames received in the last period';
  } else if (droppedInPeriod / receivedInPeriod > input.dropWarnRatio) {
    level = DiagnosticLevels.warn;
    message = `dropped ${droppedInPeriod} of ${plural(receivedInPeriod, 'frame')} in the last period (${causes.join(', ')})`;
  } else {
    message = `${formatNumber(source.inputFps)} fps in, ${formatNumber(source.outputFps)} fps out`;
  }
  const values: RosKeyValue[] = [
    kv('received', received),
    kv('inferred', source.inferred),
    kv('published', source.published),
    kv('dropped', droppedTotal),
    ...DROP_CAUSES.map((cause) => kv(`dropped.${cause}`, dropped[cause])),
    kv('queue_depth', source.queueDepth),
    kv('inflight', source.inflight),
    kv('input_fps', source.inputFps),
    kv('output_fps', source.outputFps),
    kv('latency_total_ms.p50', source.latencyMs.total.p50),
    kv('latency_total_ms.p95', source.latencyMs.total.p95),
    kv('latency_total_ms.p99', source.latencyMs.total.p99),
    kv('latency_inference_ms.p50', source.latencyMs.inference.p50),
    kv('latency_inference_ms.p99', source.latencyMs.inference.p99),
    kv('latency_preprocess_ms.p50', source.latencyMs.preprocess.p50),
    kv('latency_queue_ms.p50', source.latencyMs.queue.p50),
  ];
  return { level, name: `${input.nodeName}: camera ${source.name}`, message, hardware_id: source.name, values };
}

function backendStatus(input: DiagnosticsInput): RosDiagnosticStatus {
  const now = input.current.backend;
  const before = input.previous?.backend;
  const errorsInPeriod = now.errors - (before?.errors ?? 0);
  const callsInPeriod = now.batches - (before?.batches ?? 0);
  let level: number = DiagnosticLevels.ok;
  let message = `${plural(callsInPeriod, 'inference call')} in the last period`;
  if (errorsInPeriod > 0 && errorsInPeriod >= callsInPeriod) {
    level = DiagnosticLevels.error;
    message = `every inference call failed in the last period (${plural(errorsInPeriod, 'error')})`;
  } else if (errorsInPeriod > 0) {
    level = DiagnosticLevels.warn;
    message = `${errorsInPeriod} of ${plural(callsInPeriod, 'inference call')} failed in the last period`;
  }
  return {
    level,
    name: `${input.nodeName}: backend`,
    message,
    hardware_id: input.backendKind,
    values: [
      kv('model', input.modelName),
      kv('backend', input.backendKind),
      kv('inference_calls', now.batches),
      kv('frames', now.frames),
      kv('errors', now.errors),
      kv('inflight_calls', now.inflightCalls),
      kv('inflight_frames', now.inflightFrames),
      kv('buffered_frames', input.current.bufferedFrames),
      kv('max_buffered_frames', input.current.maxBufferedFrames),
      kv('buffer_bound', input.current.bufferBound),
    ],
  };
}

/** The DiagnosticArray for one period. */
export function buildDiagnostics(input: DiagnosticsInput): RosDiagnosticArray {
  return {
    header: { stamp: input.stamp, frame_id: '' },
    status: [...input.current.sources.map((source) => sourceStatus(input, source)), backendStatus(input)],
  };
}
