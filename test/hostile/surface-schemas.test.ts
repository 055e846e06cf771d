import * as v from 'valibot';
import {
  InvalidRequestError,
  SecretSchemaError,
  type StandardSchemaV1,
  type VaultKubernetesClient,
} from 'vault-kubernetes-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod3';
import { createHarness, describeError, type Harness } from '../helpers/harness';

/** Any Standard Schema at run time: zod 3 and 4, valibot; bad schemas refused before I/O; no value in a message. */
let h: Harness;
let vault: VaultKubernetesClient;
const PATH = 'secret/data/myapp/config';

beforeEach(async () => {
  h = await createHarness();
  vault = h.client();
});
afterEach(async () => {
  await h.close();
});

const requestsSent = () => h.mock.audit.count();

describe('Standard Schema at run time', () => {
  it('zod 4, zod 3.25 and valibot validate and transform the data of secret() and read()', async () => {
    const zod4 = z.object({ username: z.string() }).transform((d) => d.username.toUpperCase());
    const zod3 = z3.object({ username: z3.string() }).transform((d) => `${d.username}!`);
    const valibot = v.pipe(
      v.object({ password: v.string() }),
      v.transform((d) => d.password.length),
    );
    expect((await vault.secret(PATH, { schema: zod4 })).data).toBe('APP-USER');
    expect((await vault.secret(PATH, { schema: zod3 })).data).toBe('app-user!');
    expect((await vault.secret(PATH, { schema: valibot })).data).toBe('kv-password-value-1'.length);
    const read = await vault.read(PATH, { schema: v.object({ data: v.object({ username: v.string() }) }) });
    expect(read.data.data.username).toBe('app-user');
  });

  it('a schema that is not a Standard Schema is an InvalidRequestError before any request', async () => {
    const before = requestsSent();
    const notSchemas: unknown[] = [
      { parse: (x: unknown) => x },
      { '~standard': {} },
      'zod',
      () => true,
      null,
    ];
    for (const schema of notSchemas) {
      await expect(vault.secret(PATH, { schema } as never)).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(vault.read(PATH, { schema } as never)).rejects.toBeInstanceOf(InvalidRequestError);
      expect(() => vault.watch(PATH, () => undefined, { schema } as never)).toThrow(InvalidRequestError);
    }
    await expect(vault.secret(PATH, { schema: { parse: () => 1 } } as never)).rejects.toThrow(
      /not a Standard Schema.*zod 3\.24\+ or 4, valibot or arktype/,
    );
    expect(requestsSent()).toBe(before);
  });

  it('an async validator fails a managed secret with a typed error, and works where the caller awaits', async () => {
    const slow = z.object({ username: z.string() }).refine(async (d) => d.username.length > 0);
    const error = await vault.secret(PATH, { schema: slow }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(/validates asynchronously.*synchronously/);
    const read = await vault.read(PATH, {
      schema: z.object({ data: z.object({ username: z.string() }) }).refine(async () => true),
    });
    expect(read.data.data.username).toBe('app-user');
  });

  it("a rejection names the fields, never the values, even when the library's message quotes them", async () => {
    // Libraries that quote what they received: a hand-written one, zod 3's enum, valibot's literal.
    const quoting: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'quoting',
        validate: (value) => ({
          issues: [
            {
              message: `expected "admin", received "${(value as { password: string }).password}"`,
              path: [{ key: 'password' }],
            },
          ],
        }),
      },
    };
    const schemas: StandardSchemaV1[] = [
      quoting,
      z3.object({ password: z3.enum(['a', 'b']) }),
      v.object({ password: v.literal('admin') }),
      z.object({ password: z.enum(['a', 'b']) }),
    ];
    for (const schema of schemas) {
      const error = await vault.secret(PATH, { schema }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretSchemaError);
      expect((error as SecretSchemaError).issues[0]?.field).toBe('password');
      expect(describeError(error)).not.toContain('kv-password-value-1');
      vault.invalidate(PATH);
    }
    const error = await vault
      .read(PATH, { schema: z3.object({ data: z3.object({ password: z3.enum(['x']) }) }) })
      .catch((e: unknown) => e);
    expect((error as SecretSchemaError).issues[0]?.field).toBe('data.password');
    expect(describeError(error)).not.toContain('kv-password-value-1');
  });
});
