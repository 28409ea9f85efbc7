import { plural } from '../../src/core/plural';
import { formatReplaySummary } from '../../src/replay';
import type { ReplaySummary } from '../../src/replay/types';

describe('plural', () => {
  it('uses the singular for exactly one and the plural otherwise', () => {
    expect(plural(1, 'topic')).toBe('1 topic');
    expect(plural(0, 'topic')).toBe('0 topics');
    expect(plural(2, 'inference call')).toBe('2 inference calls');
    expect(plural(1, 'query', 'queries')).toBe('1 query');
    expect(plural(3, 'query', 'queries')).toBe('3 queries');
  });

  it('reaches the messages users read: a replay summary of one frame says "1 frame"', () => {
    const summary: ReplaySummary = {
      bag: 'one',
      storage: 'mcap',
      topics: [{ name: '/cam', type: 'sensor_msgs/msg/Image', messageCount: 1, replayed: true }],
      perTopic: [{ topic: '/cam', type: 'sensor_msgs/msg/Image', frames: 1, classified: 1, dropped: {} }],
      frames: 1,
      classified: 1,
      dropped: {},
      droppedTotal: 0,
      latencyMs: { p50: 1, p95: 1, p99: 1, max: 1 },
      wallMs: 10,
      fps: 100,
      topClasses: [],
      model: { name: 'm', backend: 'onnx', syntheticWeights: false },
      resultsBag: undefined,
      resultsJsonl: undefined,
      warnings: [],
      error: undefined,
    };
    const lines = formatReplaySummary(summary);
    expect(lines).toContain('  replayed /cam [sensor_msgs/msg/Image] 1 message');
    expect(lines).toContain('/cam: 1 frame, 1 classified, dropped: 0');
    expect(lines).toContain('total: 1 frame, 1 classified, dropped 0');
  });
});
