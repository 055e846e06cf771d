import assert from 'node:assert/strict';
import { test } from 'node:test';
// Written by run.mjs from ../shared/scenario.ts; it imports the package's ES module build.
import { expected, runScenario } from './scenario.mjs';

test('vault-kubernetes-client under node:test (ESM import)', async () => {
  assert.deepEqual(await runScenario(), expected);
});
