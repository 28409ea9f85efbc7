/**
 * Startup order, parameter files, optional vision_msgs, and shutdown (drain, release, no handles left, signals).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHook } from 'node:async_hooks';
import { EdgenextError } from '../../src/core/errors';
import { decodeImageMessage, type RosEdgenextClassification } from '../../src/messages';
import { createPipeline } from '../../src/pipeline';
import { ClassifierNode, startupFailureLine } from '../../src/ros/ClassifierNode';
import { PARAMETER_SPECS } from '../../src/ros/parameters';
import { installStopSignals } from '../../src/ros/stopSignals';
import { createRclDouble } from './double/rclnodejsDouble';
import { createFakeClassifier } from './support/fakeClassifier';
import { uniformFrame } from './support/frames';
import { asRcl, PARAMS_FILE, rosArgs, stampOf, startHarness } from './support/harness';
import { fakeProcess } from './support/fakeProcess';

const IMAGE = 'sensor_msgs/msg/Image';

function tempYaml(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgenext-ros-'));
  const file = path.join(dir, 'params.yaml');
  fs.writeFileSync(file, text);
  return file;
}

function image(i: number, frameId = 'f') {
  const frame = uniformFrame('rgb8', 4, 4, [0, 0, 255]);
  return {
    header: { stamp: stampOf(i), frame_id: frameId },
    height: 4,
    width: 4,
    encoding: 'rgb8',
    is_bigendian: 0,
    step: frame.step,
    data: frame.data,
  };
}

/** Polls `condition` every 5 ms; rejects after `timeoutMs` (the CI machine is shared and slow). */
async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('startup', () => {
  it('loads the model (warm-up included) before subscribing to any camera, and spins while loading', async () => {
    const double = createRclDouble({ argv: rosArgs('-p', "image_topics:=['cam']") });
    const camera = double.graph.publisher('/cam', IMAGE);
    let subscribersWhileLoading = -1;
    let spinningWhileLoading = false;
    const node = await ClassifierNode.start({
      rcl: asRcl(double),
      createPipeline,
      decodeImageMessage,
      openClassifier: async (options) => {
        subscribersWhileLoading = camera.subscriptionCount;
        spinningWhileLoading = [...double.nodes][0]?.spinning ?? false;
        return createFakeClassifier(options).classifier;
      },
    });
    expect(subscribersWhileLoading).toBe(0);
    expect(spinningWhileLoading).toBe(true);
    expect(camera.subscriptionCount).toBe(1);
    expect(double.signalHandlersRemoved()).toBe(true);
    await node.stop();
  });

  it('passes the model parameters to openClassifier', async () => {
    const h = await startHarness({
      argv: rosArgs(
        '-p',
        'model:=x_small',
        '-p',
        'backend:=bpu',
        '-p',
        'bpu_priority:=7',
        '-p',
        'bpu_core_mask:=1',
        '-p',
        'bpu_task_timeout_ms:=250',
        '-p',
        'max_inflight:=3',
        '-p',
        'resize:=letterbox',
        '-p',
        'onnx_threads:=2',
        '-p',
        'bpu_library:=/usr/lib/libdnn.so',
      ),
    });
    expect(h.control.openedWith).toEqual({
      model: 'x_small',
      backend: 'bpu',
      bpuLibraryPath: '/usr/lib/libdnn.so',
      threads: 2,
      maxInflight: 3,
      bpuPriority: 7,
      bpuCoreMask: 1,
      bpuTaskTimeoutMs: 250,
      resize: 'letterbox',
    });
    await h.node.stop();
  });

  it('reads every value of config/classify.yaml (keyed /**) into the settings', async () => {
    const h = await startHarness({ argv: rosArgs('--params-file', PARAMS_FILE) });
    const [rosNode] = [...h.double.nodes];
    for (const spec of PARAMETER_SPECS) {
      // Every declared parameter has the file's type: a mismatch would have thrown at declaration.
      expect(rosNode?.hasParameter(spec.name)).toBe(true);
    }
    expect(h.node.settings).toMatchObject({
      imageTopics: ['image'],
      topK: 5,
      queuePolicy: 'latest',
      qosReliability: 'best_effort',
      diagnosticsPeriodS: 1,
    });
    expect(typeof rosNode?.getParameter('top_k').value).toBe('bigint');
    expect(rosNode?.getParameterDescriptor('model')?.readOnly).toBe(true);
    expect(rosNode?.getParameterDescriptor('score_threshold')?.readOnly).toBe(false);
    expect(h.node.cameraTopics).toEqual(['/image']);
    await h.node.stop();
  });

  it('applies a file keyed by the bare node name (in any namespace) and ignores /name keys, as rclnodejs does', async () => {
    const file = tempYaml(
      '/classifier:\n  ros__parameters:\n    top_k: 2\nclassifier:\n  ros__parameters:\n    top_k: 3\n    image_topics: ["cam"]\n',
    );
    const h = await startHarness({ argv: rosArgs('--params-file', file, '-r', '__ns:=/robot') });
    expect(h.node.settings.topK).toBe(3);
    expect(h.node.cameraTopics).toEqual(['/robot/cam']);
    const results = h.double.graph.probe<RosEdgenextClassification>(
      '/robot/classifier/classification',
      'edgenext/msg/Classification',
    );
    h.double.graph.publisher('/robot/cam', IMAGE).publish(image(1));
    expect((await results.waitFor(1))[0]?.labels).toHaveLength(3);
    await h.node.stop();
  });

  it('remaps the default relative topic "image" as the launch file does', async () => {
    const h = await startHarness({ argv: rosArgs('-r', '__node:=front_classifier', '-r', 'image:=/front/image_raw') });
    expect(h.node.cameraTopics).toEqual(['/front/image_raw']);
    const results = h.double.graph.probe<RosEdgenextClassification>(
      '/front_classifier/classification',
      'edgenext/msg/Classification',
    );
    h.double.graph.publisher('/front/image_raw', IMAGE).publish(image(1, 'front'));
    expect((await results.waitFor(1))[0]?.header).toEqual({ stamp: stampOf(1), frame_id: 'front' });
    await h.node.stop();
  });

  it.each([
    ['an integer for a double', 'score_threshold: 1', /score_threshold.*decimal point/],
    ['an unknown backend', 'backend: gpu', /parameter backend = 'gpu' is not one of: 'auto', 'bpu', 'onnx'/],
    ['an out-of-range value', 'top_k: 0', /top_k/],
    ['an empty topic list entry', 'image_topics: [""]', /image_topics holds an empty topic name/],
  ])('refuses to start on %s with one clear line, releasing the node', async (_what, line, message) => {
    const double = createRclDouble({
      argv: rosArgs('--params-file', tempYaml(`/**:\n  ros__parameters:\n    ${line}\n`)),
    });
    let opened = false;
    const start = ClassifierNode.start({
      rcl: asRcl(double),
      createPipeline,
      decodeImageMessage,
      openClassifier: async (options) => {
        opened = true;
        return createFakeClassifier(options).classifier;
      },
    });
    const error = await start.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgenextError);
    expect((error as EdgenextError).code).toBe('invalid_config');
    expect(startupFailureLine(error)).toMatch(message);
    expect(startupFailureLine(error)).not.toContain('\n');
    expect(opened).toBe(false);
    expect(double.nodes.size).toBe(0);
    expect(double.rcl.isShutdown()).toBe(true);
  });

  it('an integer array anywhere in the params file stops rclnodejs itself (the double reproduces it)', async () => {
    const double = createRclDouble({
      argv: rosArgs('--params-file', tempYaml('other_node:\n  ros__parameters:\n    input_size: [224, 224]\n')),
    });
    const error = await ClassifierNode.start({
      rcl: asRcl(double),
      createPipeline,
      decodeImageMessage,
      openClassifier: async (o) => createFakeClassifier(o).classifier,
    }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/Type mismatch for parameter 'input_size': expected 7/);
    expect(double.rcl.isShutdown()).toBe(true);
  });

  it('a model that fails to load stops the node cleanly and surfaces the loader error', async () => {
    const double = createRclDouble({ argv: rosArgs() });
    const error = await ClassifierNode.start({
      rcl: asRcl(double),
      createPipeline,
      decodeImageMessage,
      openClassifier: async () => {
        throw new EdgenextError('model_load', "model 'huge' not found in config/models.yaml");
      },
    }).catch((e: unknown) => e);
    expect(startupFailureLine(error)).toBe("edgenext: model 'huge' not found in config/models.yaml");
    expect(double.nodes.size).toBe(0);
    expect(double.rcl.isShutdown()).toBe(true);
    expect(double.graph.liveHandles).toBe(0);
  });

  it('runs without vision_msgs: warns once and still publishes ~/classification', async () => {
    const h = await startHarness({ argv: rosArgs('-p', "image_topics:=['cam']"), visionMsgs: false });
    const warnings = h.double.graph.logs.filter((l) => l.message.includes('vision_msgs is not available'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain("'vision_msgs/msg/Classification' is not found");
    const results = h.double.graph.probe<RosEdgenextClassification>(
      '/classifier/classification',
      'edgenext/msg/Classification',
    );
    h.double.graph.publisher('/cam', IMAGE).publish(image(1));
    expect((await results.waitFor(1))[0]?.labels[0]).toBe('blue');
    await h.node.stop();
  });
});

describe('shutdown', () => {
  it('drains the frame in flight, publishes its result, then releases the backend, the node and rclnodejs, leaving no handles', async () => {
    // Every timer and immediate created from here on, until it fires for the last time or is cleared.
    const live = new Map<number, string>();
    let tracking = true;
    const hook = createHook({
      init: (id, type) => void (tracking && (type === 'Timeout' || type === 'Immediate') && live.set(id, type)),
      destroy: (id) => void live.delete(id),
    }).enable();
    const h = await startHarness({ argv: rosArgs('-p', "image_topics:=['cam']", '-p', 'diagnostics_period:=0.05') });
    const { graph } = h.double;
    const results = graph.probe<RosEdgenextClassification>('/classifier/classification', 'edgenext/msg/Classification');
    h.control.latencyMs = 150;
    graph.publisher('/cam', IMAGE).publish(image(1, 'last'));
    await until(() => h.control.running === 1);
    const started = Date.now();
    await h.node.stop();
    tracking = false;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(results.messages.map((m) => m.header.frame_id)).toEqual(['last']);
    expect(h.control.closed).toBe(true);
    expect(h.control.running).toBe(0);
    expect(h.double.nodes.size).toBe(0);
    expect(h.double.rcl.isShutdown()).toBe(true);
    expect(graph.liveHandles).toBe(0);
    // Nothing of the node, the pipeline or the double keeps the event loop alive (a leftover timer would keep the
    // real process running after SIGINT). Let the last one-shot timers and immediates fire first.
    for (let turn = 0; turn < 40 && live.size > 0; turn++) await new Promise((resolve) => setTimeout(resolve, 5));
    hook.disable();
    expect([...live.values()]).toEqual([]);
    // Idempotent.
    await h.node.stop();
    expect(h.double.rcl.isShutdown()).toBe(true);
  });

  it('bounds the drain: an inference that never finishes is cancelled after drainTimeoutMs', async () => {
    const h = await startHarness({ argv: rosArgs('-p', "image_topics:=['cam']"), node: { drainTimeoutMs: 200 } });
    h.control.latencyMs = 60_000;
    h.double.graph.publisher('/cam', IMAGE).publish(image(1));
    await until(() => h.control.running === 1);
    const started = Date.now();
    await h.node.stop();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(h.control.closed).toBe(true);
    expect(h.node.stats()?.sources[0]?.dropped.shutdown).toBe(1);
    expect(h.double.graph.liveHandles).toBe(0);
  });
});

describe('installStopSignals', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s stops once and exits 0; a second signal is ignored', async (signal) => {
    const proc = fakeProcess();
    let stops = 0;
    const lines: string[] = [];
    const remove = installStopSignals({ process: proc, stop: async () => void stops++, log: (l) => lines.push(l) });
    proc.emitter.emit(signal);
    proc.emitter.emit('SIGINT');
    await new Promise((resolve) => setImmediate(resolve));
    expect(stops).toBe(1);
    expect(proc.exits).toEqual([0]);
    expect(lines[0]).toBe(`${signal} received: stopping`);
    remove();
    expect(proc.emitter.listenerCount('SIGINT') + proc.emitter.listenerCount('SIGTERM')).toBe(0);
  });

  it('stops and exits 0 when the parent process changes (launch killed or sent SIGTERM), not before', async () => {
    const proc = { ...fakeProcess(), ppid: 4242 };
    let stops = 0;
    const lines: string[] = [];
    const remove = installStopSignals({
      process: proc,
      stop: async () => void stops++,
      log: (l) => lines.push(l),
      parentPollMs: 5,
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stops).toBe(0);
    proc.ppid = 1;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stops).toBe(1);
    expect(proc.exits).toEqual([0]);
    expect(lines).toEqual(['parent process 4242 is gone (now 1): stopping']);
    remove();
  });

  it('exits 1 when stop() does not finish within the grace period', async () => {
    const proc = fakeProcess();
    installStopSignals({ process: proc, stop: () => new Promise<void>(() => undefined), graceMs: 30 });
    proc.emitter.emit('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(proc.exits).toEqual([1]);
  });
});
