module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '\\.[jt]s$': '<rootDir>/jest.transform.js' },
  // Transform our TypeScript and ESM-only packages; leave the rest of node_modules as is.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|content-disposition)/)'],
  setupFiles: ['<rootDir>/jest.setup.js'],
  testTimeout: 30000,
};
