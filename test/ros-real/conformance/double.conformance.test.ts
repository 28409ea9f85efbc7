/**
 * The conformance scenarios (scenarios.ts) on the in-process double must give exactly what real rclnodejs 2.2.0
 * gave (expectedObservations.ts, checked against the real library by rclnodejs.real.test.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRclDouble } from '../../ros/double/rclnodejsDouble';
import { expectedFatalOutcomes, expectedObservations } from './expectedObservations';
import { fatalScenarios, scenarios, type FatalOutcome, type ScenarioContext } from './scenarios';

let scratch: string;
const context: ScenarioContext = {
  writeFile(name, text) {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, text);
    return file;
  },
  settleMs: 100,
};

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-double-'));
});
afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('the rclnodejs double conforms to the observations of the real library', () => {
  it.each(Object.keys(scenarios))('%s', async (name) => {
    const double = createRclDouble();
    const observation = await scenarios[name]!(double.rcl, context);
    expect(observation).toEqual(expectedObservations[name]);
  });

  it.each(Object.keys(fatalScenarios))('%s fails loudly', async (name) => {
    const reported: unknown[] = [];
    // The double re-throws a callback exception on nextTick; here it is captured instead, to observe it.
    const double = createRclDouble({ onCallbackError: (error) => reported.push(error) });
    await fatalScenarios[name]!(double.rcl, context);
    const first = reported[0];
    const outcome: FatalOutcome = {
      fatal: reported.length > 0,
      message: first instanceof Error ? first.message : null,
    };
    expect(outcome).toEqual(expectedFatalOutcomes[name]);
  });
});
