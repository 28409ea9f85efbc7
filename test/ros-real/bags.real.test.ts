/**
 * rosbag2 on the real graph: the demo bag played into the node with `ros2 bag play --clock` under use_sim_time
 * (every frame classified, ages in sim time, diagnostics alive after the bag ends), and `edgenext replay` results
 * played back with `ros2 bag play` as edgenext/msg/Classification.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LaunchedNode } from './support/launchNode';
import { ros2, runProbe } from './support/probe';
import { loadRosContext } from './support/rosContext';

const DOMAIN = 84;
const REPO = path.resolve(__dirname, '../..');
const DEMO_BAG = path.join(REPO, 'demo', 'edgenext_demo');
const DEMO_TOPIC = '/camera/image_raw/compressed';
const DEMO_FRAMES = 42;
const context = loadRosContext();
let launched: LaunchedNode | undefined;
let dir = '';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgenext-ros-bags-'));
});

afterEach(async () => {
  await launched?.kill();
  launched = undefined;
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('rosbag2 on the real graph', () => {
  it('classifies every frame of a bag played with --clock under use_sim_time, ages in sim time', async () => {
    // Lossless settings, and a 2 s age limit: on the wall clock every frame of this 2023 bag is years old.
    const params = path.join(dir, 'sim.yaml');
    fs.writeFileSync(
      params,
      [
        '/**:',
        '  ros__parameters:',
        '    max_age_ms: 2000',
        '    queue_policy: drop_oldest',
        '    queue_depth: 100',
        '    qos_reliability: reliable',
        '    qos_depth: 100',
        '    diagnostics_period: 0.5',
        '',
      ].join('\n'),
    );
    launched = new LaunchedNode(context, {
      domainId: DOMAIN,
      args: { params_file: params, image_topic: DEMO_TOPIC, use_sim_time: 'true' },
    });
    await launched.ready();
    const probe = runProbe(context, DOMAIN, {
      subscribe: [
        { topic: '/classifier/classification', type: 'edgenext/msg/Classification', count: DEMO_FRAMES },
        { topic: '/diagnostics', type: 'diagnostic_msgs/msg/DiagnosticArray' },
      ],
      timeout_s: 60,
    });
    const play = await ros2(context, DOMAIN, ['bag', 'play', DEMO_BAG, '--clock', '100', '--delay', '1']);
    expect(play.code).toBe(0);
    const { received } = await probe;
    const results = received['/classifier/classification'] as Array<{
      total_age_ms: number;
      header: { frame_id: string };
    }>;
    expect(results).toHaveLength(DEMO_FRAMES);
    for (const result of results) {
      // Sim time moves in /clock steps (10 ms at --clock 100): a frame can arrive just before the clock catches up.
      expect(result.total_age_ms).toBeGreaterThanOrEqual(-20);
      expect(result.total_age_ms).toBeLessThan(2000);
    }
    expect(launched.output).not.toMatch(/stale/);

    // The bag has ended and sim time stands still: diagnostics keep coming, stamped in sim time.
    const after = await runProbe(context, DOMAIN, {
      subscribe: [{ topic: '/diagnostics', type: 'diagnostic_msgs/msg/DiagnosticArray', count: 2 }],
      timeout_s: 5,
    });
    const diagnostics = after.received['/diagnostics'] as Array<{ header: { stamp: { sec: number } } }>;
    expect(diagnostics).toHaveLength(2);
    const simSec = diagnostics[1]?.header.stamp.sec ?? 0;
    expect(simSec).toBeGreaterThanOrEqual(1_700_000_000);
    expect(simSec).toBeLessThanOrEqual(1_700_000_005);
  });

  it('plays edgenext replay results with ros2 bag play as edgenext/msg/Classification', async () => {
    const out = path.join(dir, 'replay');
    execFileSync('node', [path.join(REPO, 'dist/src/cli/main.js'), 'replay', DEMO_BAG, '--max-speed', '--out', out], {
      stdio: 'ignore',
    });
    const resultsBag = path.join(out, 'edgenext_demo_results');
    const info = await ros2(context, DOMAIN, ['bag', 'info', resultsBag]);
    expect(info.output).toMatch(
      /Topic: \/camera\/image_raw\/compressed\/classification \| Type: edgenext\/msg\/Classification \| Count: 42/,
    );
    const probe = runProbe(context, DOMAIN, {
      subscribe: [{ topic: `${DEMO_TOPIC}/classification`, type: 'edgenext/msg/Classification', count: DEMO_FRAMES }],
      timeout_s: 30,
    });
    const play = await ros2(context, DOMAIN, ['bag', 'play', resultsBag, '--delay', '1']);
    expect(play.code).toBe(0);
    const echoed = (await probe).received[`${DEMO_TOPIC}/classification`] as Array<{
      labels: string[];
      source_topic: string;
    }>;
    expect(echoed).toHaveLength(DEMO_FRAMES);
    const jsonl = fs
      .readFileSync(path.join(out, 'edgenext_demo_results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { topK: Array<{ label: string }> });
    expect(echoed[0]?.labels).toEqual(jsonl[0]?.topK.map((t) => t.label));
    expect(echoed[0]?.source_topic).toBe(DEMO_TOPIC);
  });
});
