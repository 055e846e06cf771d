const assert = require('node:assert/strict');
const { test } = require('node:test');
// Written by run.mjs from ../shared/scenario.ts; it requires the package's CommonJS build.
const { expected, runScenario } = require('./scenario.cjs');

test('vault-kubernetes-client under node:test (CommonJS require)', async () => {
  assert.deepEqual(await runScenario(), expected);
});
