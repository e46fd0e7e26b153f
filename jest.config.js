// Native ESM jest (NestJS 12 is ESM-only); run with NODE_OPTIONS=--experimental-vm-modules.
const swc = {
  sourceMaps: 'inline',
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'es6' },
};

export default {
  testEnvironment: 'node',
  // The workspace packages (@atlasai/license-core, @atlasai/tenant-sdk) resolve to their TypeScript sources, as in tsc.
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', '@atlasai/source'] },
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
  // Each test file owns its database and Redis prefix, so two workers on the two-core CI machine are safe.
  maxWorkers: 2,
};
