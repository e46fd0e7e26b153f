// The fault suite (`npm run test:faults`): the app under injected faults (a killed process, Redis,
// Postgres, SMTP or Stripe going away). Not part of `npm test`: its files end in .fault-spec.ts.
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
  // One scenario at a time: each measures what a fault does, and a neighbour's load would blur it.
  maxWorkers: 1,
  testTimeout: 120_000,
  globalSetup: '<rootDir>/test/faults/support/global-setup.js',
  globalTeardown: '<rootDir>/test/faults/support/global-teardown.js',
};
