/**
 * Every way a user or a service manager stops the node, on the real graph: the node must be gone within 2 s, with
 * exit code 0 where it was asked to stop, and leave no process behind.
 */
import { LaunchedNode, taggedProcesses, waitForExit } from './support/launchNode';
import { loadRosContext } from './support/rosContext';

const DOMAIN = 81;
const context = loadRosContext();
let launched: LaunchedNode | undefined;

afterEach(async () => {
  await launched?.kill();
  launched = undefined;
});

async function startNode(tty: boolean): Promise<{ launch: number; node: number }> {
  launched = new LaunchedNode(context, { domainId: DOMAIN, tty });
  await launched.ready();
  const { launch, node } = launched.processes();
  if (launch === undefined || node === undefined) throw new Error(`processes not found:\n${launched.output}`);
  return { launch, node };
}

function expectNothingLeft(node: LaunchedNode): void {
  expect(taggedProcesses(node.tag).filter((p) => !p.cmdline.startsWith('script'))).toEqual([]);
}

describe('stopping the node', () => {
  it.each([
    ['without a terminal (a script, systemd)', false],
    ['in a terminal (launch does not forward SIGINT there by itself)', true],
  ])('SIGINT to ros2 launch %s: the node exits 0 within 2 s', async (_how, tty) => {
    const pids = await startNode(tty);
    process.kill(pids.launch, 'SIGINT');
    const nodeExitMs = await waitForExit(pids.node, 2000);
    await waitForExit(pids.launch, 5000);
    const node = launched as LaunchedNode;
    expect(node.output).toMatch(/SIGINT received: stopping/);
    expect(node.output).toMatch(/process has finished cleanly/);
    expect(node.output).not.toMatch(/escalating to 'SIGTERM'/);
    expectNothingLeft(node);
    process.stderr.write(`stopping: SIGINT to launch (${tty ? 'tty' : 'pipe'}): node gone after ${nodeExitMs} ms\n`);
  });

  it('SIGTERM to the node (systemd KillMode=control-group, kill): exits 0 within 2 s', async () => {
    const pids = await startNode(false);
    process.kill(pids.node, 'SIGTERM');
    const nodeExitMs = await waitForExit(pids.node, 2000);
    const node = launched as LaunchedNode;
    await node.waitForOutput(/process has finished cleanly/, 5000);
    expect(node.output).toMatch(/SIGTERM received: stopping/);
    process.stderr.write(`stopping: SIGTERM to the node: gone after ${nodeExitMs} ms\n`);
  });

  it.each([
    ['SIGTERM', 'launch exits at once without signalling its child'],
    ['SIGKILL', 'launch is killed'],
  ] as const)('%s to ros2 launch (%s): the orphaned node stops by itself within 2 s', async (signal, _why) => {
    const pids = await startNode(false);
    process.kill(pids.launch, signal);
    await waitForExit(pids.launch, 5000);
    const nodeExitMs = await waitForExit(pids.node, 2000);
    expectNothingLeft(launched as LaunchedNode);
    process.stderr.write(`stopping: ${signal} to launch: node gone after ${nodeExitMs} ms\n`);
  });
});
