// A jest project in its default CommonJS mode with ts-jest: no --experimental-vm-modules, no
// transformIgnorePatterns, no moduleNameMapper. The package must work as installed.
const { join } = require('node:path');

module.exports = {
  rootDir: join(__dirname, '..'),
  roots: ['<rootDir>/jest-ts'],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: join(__dirname, 'tsconfig.json') }] },
};
