import type { ReplaySummary } from './types';
import { plural } from '../core/plural';

const SYNTHETIC_NOTE = 'the model has synthetic weights: class labels are not meaningful (speed test only)';

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

function causes(dropped: Readonly<Record<string, number>>): string {
  const entries = Object.entries(dropped).filter(([, n]) => n > 0);
  return entries.length === 0 ? '0' : entries.map(([cause, n]) => `${cause} ${n}`).join(', ');
}

/** The lines `edgenext replay` prints at the end. */
export function formatReplaySummary(s: ReplaySummary): string[] {
  const lines = [`bag: ${s.bag} (${s.storage})`];
  for (const t of s.topics) {
    // What was really read: a damaged bag stops early, and the index may promise more than the file holds.
    const read = t.replayed ? s.perTopic.find((p) => p.topic === t.name)?.frames : undefined;
    const count =
      read !== undefined && read !== t.messageCount
        ? `${read} of ${plural(t.messageCount, 'message')}`
        : plural(t.messageCount, 'message');
    lines.push(`  ${t.replayed ? 'replayed' : 'skipped '} ${t.name} [${t.type}] ${count}`);
  }
  lines.push(`model: ${s.model.name} on ${s.model.backend}`);
  const p = s.pipeline;
  const age = p.maxAgeMs > 0 ? `max age ${p.maxAgeMs} ms from ${p.ageReference}` : 'no max age';
  lines.push(
    `pipeline: ${p.queuePolicy} depth ${p.queueDepth}, ${age}, batch ${p.maxBatch} (wait ${p.maxWaitMs} ms), ${p.maxInflight} in flight`,
  );
  if (s.model.syntheticWeights) lines.push(`note: ${SYNTHETIC_NOTE}`);
  else if (s.model.labelsMeaningful === false) {
    lines.push(`note: ${s.model.labelsNote ?? 'this model'}: class labels are not meaningful`);
  }
  for (const t of s.perTopic) {
    lines.push(`${t.topic}: ${plural(t.frames, 'frame')}, ${t.classified} classified, dropped: ${causes(t.dropped)}`);
  }
  const byCause = s.droppedTotal > 0 ? ` (${causes(s.dropped)})` : '';
  lines.push(`total: ${plural(s.frames, 'frame')}, ${s.classified} classified, dropped ${s.droppedTotal}${byCause}`);
  lines.push(
    `latency: p50 ${ms(s.latencyMs.p50)}, p95 ${ms(s.latencyMs.p95)}, p99 ${ms(s.latencyMs.p99)}, max ${ms(s.latencyMs.max)}`,
  );
  lines.push(`throughput: ${s.fps.toFixed(1)} frames/s over ${(s.wallMs / 1000).toFixed(2)} s`);
  if (s.topClasses.length > 0) {
    lines.push(
      `top classes seen (top-1 counts): ${s.topClasses.map((c) => `${c.label} [${c.classId}] x${c.count}`).join('; ')}`,
    );
  }
  if (s.resultsBag !== undefined) lines.push(`results: ${s.resultsBag} (rosbag2 MCAP) and ${s.resultsJsonl ?? ''}`);
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  if (s.error !== undefined) lines.push(`error: reading stopped early: ${s.error}`);
  return lines;
}
