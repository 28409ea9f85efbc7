/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The real-ROS suite (`npm run test:ros`, jest.ros.config.js) needs a sourced ROS 2 and builds a colcon workspace.
  testPathIgnorePatterns: ['/node_modules/', '\\.real\\.test\\.ts$'],
  transform: {
    // Type errors are caught by `npm run typecheck`; isolated transpilation keeps the suite fast on 2-core CI.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
  },
  testTimeout: 60000,
};
