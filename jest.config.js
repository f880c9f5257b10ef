const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] };

/**
 * Two layers: `unit` (pure rules, colocated `src/**\/*.spec.ts`, no database, no server) and `e2e`
 * (the compiled server over HTTP on real PostgreSQL). Jest runs a project's globalSetup only when
 * one of that project's tests is selected, so `--selectProjects unit` never starts PostgreSQL.
 * @type {import('jest').Config}
 */
module.exports = {
  // Tests boot real servers and hash passwords; a busy CI machine can take several times as long.
  testTimeout: 60_000,
  maxWorkers: 2,
  projects: [
    {
      displayName: 'unit',
      rootDir: '.',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
    },
    {
      displayName: 'e2e',
      rootDir: '.',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
