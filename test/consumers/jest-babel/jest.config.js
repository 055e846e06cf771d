// A jest project in its default CommonJS mode with babel-jest: no --experimental-vm-modules, no
// transformIgnorePatterns, no moduleNameMapper. The package must work as installed.
const { join } = require('node:path');

module.exports = {
  rootDir: join(__dirname, '..'),
  roots: ['<rootDir>/jest-babel'],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['babel-jest', { configFile: join(__dirname, 'babel.config.js') }] },
};
