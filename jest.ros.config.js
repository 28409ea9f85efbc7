/**
 * The real-ROS suite: `npm run test:ros` (scripts/test-ros.sh) with ROS 2 sourced. globalSetup builds the package in
 * a temporary colcon workspace by running the install steps of docs/ros.md; each test file drives the node through
 * `ros2 launch` on its own ROS_DOMAIN_ID.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/ros-real'],
  testMatch: ['**/*.real.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
  },
  globalSetup: '<rootDir>/test/ros-real/support/globalSetup.ts',
  testTimeout: 180000,
};
