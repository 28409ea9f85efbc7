import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { McapIndexedReader } from '@mcap/core';
import { parse } from 'yaml';
import initSqlJs from '@foxglove/sql.js';
import { ros2msgSchemaText } from '../../src/messages';

/** Every key Humble's metadata reader requires (docs/ros2-integration.md §8.1), top level and per topic. */
export const REQUIRED_TOP_KEYS = [
  'version',
  'storage_identifier',
  'duration',
  'starting_time',
  'message_count',
  'topics_with_message_count',
  'compression_format',
  'compression_mode',
  'relative_file_paths',
  'files',
];
export const REQUIRED_TOPIC_KEYS = ['name', 'type', 'serialization_format', 'offered_qos_profiles'];

type Yaml = Record<string, unknown>;

/**
 * Checks a bag directory against the rosbag2 rules of §8.1 and returns the parsed metadata. Throws (via expect)
 * on any violation: v5, all required keys, storage identifier, relative paths that exist, cdr topics,
 * counts and times that agree with the storage file.
 */
export async function expectHumbleBag(dir: string, storage: 'mcap' | 'sqlite3'): Promise<Yaml> {
  const info = (parse(await readFile(path.join(dir, 'metadata.yaml'), 'utf8'), { intAsBigInt: true }) as Yaml)[
    'rosbag2_bagfile_information'
  ] as Yaml;
  expect(Object.keys(info).sort()).toEqual([...REQUIRED_TOP_KEYS].sort());
  expect(info['version']).toBe(5n);
  expect(info['storage_identifier']).toBe(storage);
  expect(info['compression_format']).toBe('');
  expect(info['compression_mode']).toBe('');
  const files = info['relative_file_paths'] as string[];
  expect(files).toEqual([`${path.basename(dir)}_0.${storage === 'mcap' ? 'mcap' : 'db3'}`]);
  const topics = info['topics_with_message_count'] as Yaml[];
  expect(topics.length).toBeGreaterThan(0);
  let total = 0n;
  for (const t of topics) {
    const tm = t['topic_metadata'] as Yaml;
    expect(Object.keys(tm).sort()).toEqual([...REQUIRED_TOPIC_KEYS].sort());
    expect(tm['serialization_format']).toBe('cdr');
    expect(tm['type']).toMatch(/^[a-z_]+\/msg\/[A-Za-z]+$/);
    expect(typeof tm['offered_qos_profiles']).toBe('string');
    total += t['message_count'] as bigint;
  }
  expect(info['message_count']).toBe(total);
  const fileEntry = (info['files'] as Yaml[])[0] as Yaml;
  expect(fileEntry['path']).toBe(files[0]);
  expect(fileEntry['message_count']).toBe(total);
  expect((fileEntry['starting_time'] as Yaml)['nanoseconds_since_epoch']).toBe(
    (info['starting_time'] as Yaml)['nanoseconds_since_epoch'],
  );
  const bytes = await readFile(path.join(dir, files[0] ?? ''));
  if (storage === 'mcap') {
    const reader = await McapIndexedReader.Initialize({
      readable: {
        size: async () => BigInt(bytes.byteLength),
        read: async (o, n) => bytes.subarray(Number(o), Number(o + n)),
      },
    });
    expect(reader.header.profile).toBe('ros2');
    const schemas = [...reader.schemasById.values()];
    for (const channel of reader.channelsById.values()) {
      expect(channel.messageEncoding).toBe('cdr');
      expect(channel.metadata.has('offered_qos_profiles')).toBe(true);
      const schema = schemas.find((s) => s.id === channel.schemaId);
      expect(schema?.encoding).toBe('ros2msg');
      const yamlTopic = topics.find((t) => (t['topic_metadata'] as Yaml)['name'] === channel.topic);
      expect(schema?.name).toBe((yamlTopic?.['topic_metadata'] as Yaml)['type']);
      expect(new TextDecoder().decode(schema?.data)).toBe(ros2msgSchemaText(schema?.name ?? ''));
    }
    expect(reader.statistics?.messageCount).toBe(total);
  } else {
    const SQL = await initSqlJs({ wasmBinary: await readFile(require.resolve('@foxglove/sql.js/dist/sql-wasm.wasm')) });
    const db = new SQL.Database(bytes);
    expect(db.exec('SELECT schema_version, ros_distro FROM schema')[0]?.values).toEqual([[3, 'humble']]);
    const tables = db.exec("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")[0]?.values.flat();
    expect(tables).toEqual(['messages', 'metadata', 'schema', 'topics']);
    expect(db.exec('SELECT typeof(timestamp) FROM messages GROUP BY typeof(timestamp)')[0]?.values).toEqual([
      ['integer'],
    ]);
    expect(db.exec('SELECT COUNT(*) FROM messages')[0]?.values[0]?.[0]).toBe(Number(total));
    db.close();
  }
  return info;
}
