/**
 * The conformance scenarios against real rclnodejs 2.2.0 on the sourced ROS 2 (see scenarios.ts): the double is
 * held to the same recorded observations by double.conformance.test.ts, so double == expected == real.
 * Runs in `npm run test:ros` (the rclnodejs its globalSetup installed), or alone with ROS 2 sourced and
 * EDGENEXT_RCLNODEJS_DIR pointing at an rclnodejs built against it.
 */
import { expectedFatalOutcomes, expectedObservations } from './expectedObservations';
import { findRealRclnodejs, runRealScenarios, type RealRun } from './realRunner';
import { fatalScenarios, scenarios } from './scenarios';

const rcl = findRealRclnodejs();
if (process.env.ROS_DISTRO === undefined || rcl === undefined) {
  throw new Error(
    'the rclnodejs conformance test needs ROS 2 sourced (source /opt/ros2/ros2-env.sh) and a real rclnodejs: run it ' +
      'in npm run test:ros, or set EDGENEXT_RCLNODEJS_DIR to an rclnodejs 2.2.0 built against the sourced ROS 2',
  );
}

describe('real rclnodejs conforms to the recorded observations', () => {
  let run: RealRun;
  beforeAll(() => {
    run = runRealScenarios(rcl, Object.keys(scenarios), Object.keys(fatalScenarios));
  }, 300_000);

  it.each(Object.keys(scenarios))('%s', (name) => {
    expect(run.observations[name]).toEqual(expectedObservations[name]);
  });

  it.each(Object.keys(fatalScenarios))('%s ends the process', (name) => {
    expect(run.fatal[name]).toEqual(expectedFatalOutcomes[name]);
  });
});
