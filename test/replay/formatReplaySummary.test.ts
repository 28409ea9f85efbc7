import { DEFAULT_PIPELINE_OPTIONS } from '../../src/pipeline';
import { formatReplaySummary } from '../../src/replay';
import type { ReplaySummary } from '../../src/replay/types';

function summary(overrides: Partial<ReplaySummary>): ReplaySummary {
  return {
    bag: 'cams',
    storage: 'mcap',
    topics: [
      { name: '/left', type: 'sensor_msgs/msg/Image', messageCount: 10, replayed: true },
      { name: '/imu', type: 'sensor_msgs/msg/Imu', messageCount: 50, replayed: false },
    ],
    perTopic: [],
    pipeline: DEFAULT_PIPELINE_OPTIONS,
    frames: 10,
    classified: 10,
    dropped: {},
    droppedTotal: 0,
    latencyMs: { p50: 1.25, p95: 2, p99: 3, max: 4 },
    wallMs: 500,
    fps: 20,
    topClasses: [],
    model: { name: 'm', backend: 'onnx', syntheticWeights: false },
    resultsBag: undefined,
    resultsJsonl: undefined,
    warnings: [],
    error: undefined,
    ...overrides,
  };
}

describe('formatReplaySummary', () => {
  it('lists replayed and skipped topics, and no cause list when nothing was dropped', () => {
    const lines = formatReplaySummary(summary({}));
    expect(lines.slice(0, 4)).toEqual([
      'bag: cams (mcap)',
      '  replayed /left [sensor_msgs/msg/Image] 10 messages',
      '  skipped  /imu [sensor_msgs/msg/Imu] 50 messages',
      'model: m on onnx',
    ]);
    expect(lines[4]).toBe('pipeline: latest depth 1, no max age, batch 1 (wait 0 ms), 2 in flight');
    expect(lines).toContain('total: 10 frames, 10 classified, dropped 0');
    expect(lines).toContain('latency: p50 1.3 ms, p95 2.0 ms, p99 3.0 ms, max 4.0 ms');
    expect(lines.some((l) => l.includes('synthetic weights'))).toBe(false);
  });

  it('names every drop cause with its count, and says when the weights are synthetic', () => {
    const lines = formatReplaySummary(
      summary({
        classified: 6,
        dropped: { queue_full: 3, malformed: 1, stale: 0 },
        droppedTotal: 4,
        model: { name: 'm', backend: 'bpu', syntheticWeights: true },
      }),
    );
    expect(lines).toContain('total: 10 frames, 6 classified, dropped 4 (queue_full 3, malformed 1)');
    expect(lines).toContain('note: the model has synthetic weights: class labels are not meaningful (speed test only)');
  });

  it('says "1 frame" and "1 message", not "1 frames"', () => {
    const lines = formatReplaySummary(
      summary({
        topics: [{ name: '/cam', type: 'sensor_msgs/msg/Image', messageCount: 1, replayed: true }],
        perTopic: [{ topic: '/cam', type: 'sensor_msgs/msg/Image', frames: 1, classified: 1, dropped: {} }],
        frames: 1,
        classified: 1,
      }),
    );
    expect(lines).toContain('  replayed /cam [sensor_msgs/msg/Image] 1 message');
    expect(lines).toContain('/cam: 1 frame, 1 classified, dropped: 0');
    expect(lines).toContain('total: 1 frame, 1 classified, dropped 0');
  });
});
