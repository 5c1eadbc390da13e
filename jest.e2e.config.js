/**
 * Browser tests of the web console (test/e2e): a real engine, Debian's chromium driven by playwright-core.
 * Run by `npm run test:e2e` (and .ci/run), not by `npm test` (jest.config.js leaves test/e2e out).
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 180000,
  maxWorkers: 1,
};
