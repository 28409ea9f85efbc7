/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // *.real.test.ts need a sourced ROS 2 and a real rclnodejs: they run in the real-ROS suite only.
  testPathIgnorePatterns: ['/node_modules/', '\\.real\\.test\\.ts$'],
  transform: {
    // Type errors are caught by `npm run typecheck`; isolated transpilation keeps the suite fast on 2-core CI.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
  },
  testTimeout: 60000,
};
