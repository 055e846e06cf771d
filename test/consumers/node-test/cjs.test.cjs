const assert = require('node:assert/strict');
const { test } = require('node:test');
const lib = require('vault-kubernetes-client');
const testing = require('vault-kubernetes-client/testing');
const { expected, runScenario } = require('./scenario.cjs');

test('vault-kubernetes-client under node:test (CommonJS require)', async () => {
  assert.deepEqual(await runScenario(lib, testing), expected);
});
