import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as lib from 'vault-kubernetes-client';
import * as testing from 'vault-kubernetes-client/testing';
import scenario from './scenario.cjs';

test('vault-kubernetes-client under node:test (ESM import)', async () => {
  assert.deepEqual(await scenario.runScenario(lib, testing), scenario.expected);
});
