/** The QoS a recorder saw offered on a topic, in the integer form Humble's metadata decoder reads. */
export interface OfferedQos {
  /** Default 'reliable'. */
  readonly reliability?: 'reliable' | 'best_effort';
  /** Default 'volatile'. */
  readonly durability?: 'volatile' | 'transient_local';
  /** KEEP_LAST depth; default 10. */
  readonly depth?: number;
}

const INFINITE = '\n    sec: 9223372036\n    nsec: 854775807';

/**
 * The `offered_qos_profiles` string for one publisher, with integer policies (history 1 = keep_last,
 * reliability 1 = reliable / 2 = best_effort, durability 1 = transient_local / 2 = volatile,
 * liveliness 1 = automatic) exactly as a Humble `ros2 bag record` writes it. Jazzy's string names would
 * not load on Humble (../shared/docs/ros2-integration.md §8.1).
 */
export function offeredQosProfilesYaml(qos: OfferedQos = {}): string {
  const reliability = qos.reliability === 'best_effort' ? 2 : 1;
  const durability = qos.durability === 'transient_local' ? 1 : 2;
  return (
    `- history: 1\n  depth: ${qos.depth ?? 10}\n  reliability: ${reliability}\n  durability: ${durability}\n` +
    `  deadline:${INFINITE}\n  lifespan:${INFINITE}\n  liveliness: 1\n  liveliness_lease_duration:${INFINITE}\n` +
    '  avoid_ros_namespace_conventions: false'
  );
}
