/**
 * The chaos suite (npm run test:chaos): test/chaos/*.chaos.ts, one file, run in band. Its files do not match the
 * main config's `*.test.ts`, so `npm test` does not run them. Needs the built engine (dist/), real Postgres and
 * redis-server on the PATH; see docs/reliability.md.
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/chaos'],
  testMatch: ['**/*.chaos.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  testTimeout: 180000,
  maxWorkers: 1,
};
