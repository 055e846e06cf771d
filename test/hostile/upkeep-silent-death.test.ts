import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildExit, runNode } from '../helpers/child-node';
import { type ScriptedVault, sealed, serviceAccountJwt, startScriptedVault } from './upkeep-server';

/*
 * Class 1 (silent death at start-up): with Vault unreachable or sealed as the app starts, an
 * awaited start() or secret() keeps the process alive until it settles, then rejects with the
 * typed error, which is printed once; the process ends non-zero. Real child processes on the BUILT
 * package (npm run build first), in the shapes apps take: a CommonJS main(), an ES module with
 * top-level await, an Express app, a Nest app.
 */

const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
/** Only there so a child that never exits cannot hang the suite; the children settle in seconds. */
const KILL_AFTER_MS = 30_000;

function run(script: string, address: string): Promise<ChildExit> {
  return runNode([script, address], {
    env: { ...process.env, UPKEEP_JWT: serviceAccountJwt(), NODE_OPTIONS: '' },
    killAfterMs: KILL_AFTER_MS,
  });
}

/** A port nothing listens on: connections are refused. */
async function refusedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** The child ended by itself, non-zero, having printed the typed error's message exactly once. */
function expectTypedFailure(exit: ChildExit, name: string): void {
  const context = `exit ${exit.code} ${exit.signal ?? ''}\nstdout: ${exit.stdout}\nstderr: ${exit.stderr}`;
  expect(exit.killed, context).toBe(false);
  expect(exit.code === 0 || exit.code === 13, context).toBe(false);
  expect(exit.stdout, context).not.toMatch(/started|listening/);
  const line = exit.stderr.match(new RegExp(`${name}: (.+)`));
  expect(line, context).not.toBeNull();
  const message = line![1]!.trim();
  expect(exit.stderr.split(message).length - 1, `printed more than once:\n${context}`).toBe(1);
}

const built = existsSync(dist);
let refused: string;
let sealedVault: ScriptedVault;
beforeAll(async () => {
  refused = await refusedAddress();
  sealedVault = await startScriptedVault(() => sealed);
});
afterAll(async () => {
  await sealedVault?.close();
});

describe.skipIf(!built)(
  'class 1: an awaited call with Vault down keeps the process alive, then fails typed and printed once',
  () => {
    it('CommonJS main(): Vault refusing connections', async () => {
      expectTypedFailure(await run(fixture('upkeep-start.cjs'), refused), 'VaultConnectionError');
    });

    it('CommonJS main(): Vault sealed', async () => {
      expectTypedFailure(await run(fixture('upkeep-start.cjs'), sealedVault.address), 'VaultSealedError');
    });

    it('ES module with top-level await, no catch: Vault refusing connections', async () => {
      expectTypedFailure(await run(fixture('upkeep-start.mjs'), refused), 'VaultConnectionError');
    });

    it('ES module with top-level await, no catch: Vault sealed', async () => {
      expectTypedFailure(await run(fixture('upkeep-start.mjs'), sealedVault.address), 'VaultSealedError');
    });

    it('Express app loading its secrets before it listens: Vault refusing connections', async () => {
      expectTypedFailure(await run(fixture('upkeep-express.mjs'), refused), 'VaultConnectionError');
    });

    it('Express app: Vault sealed', async () => {
      expectTypedFailure(await run(fixture('upkeep-express.mjs'), sealedVault.address), 'VaultSealedError');
    });

    it('Nest app logging in at module init: Vault refusing connections', async () => {
      expectTypedFailure(await run(fixture('upkeep-nest.mjs'), refused), 'VaultConnectionError');
    });

    it('Nest app: Vault sealed', async () => {
      expectTypedFailure(await run(fixture('upkeep-nest.mjs'), sealedVault.address), 'VaultSealedError');
    });
  },
);
