import { inspect } from 'node:util';
import {
  InvalidRequestError,
  SecretSchemaError,
  type StandardSchemaV1,
  VaultClientError,
  VaultConfigError,
  VaultKubernetesClient,
} from 'vault-kubernetes-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type HostileVault, reply, startHostileVault } from './server';

/*
 * Careless callers (issue 9, classes 8 and 10, new variants): getters and Proxies as options,
 * options that answer differently when read twice, schemas that throw what is not an Error or
 * return what is not a result, and schema outputs that cannot be printed (cycles, BigInt,
 * throwing getters, Buffers, deep nesting). Every call ends in a value or a typed error naming
 * the field, before any I/O; printing a secret never throws and never shows a value.
 */

const TOKEN = 'hvs.CAESIJlU-static-token-for-attack-tests-0001';
const PASSWORD = 'pw-Attack-9f2c41d7';

let vault: HostileVault;
afterEach(async () => {
  await vault?.close();
});

async function setup(): Promise<VaultKubernetesClient> {
  vault = await startHostileVault();
  vault.route('kv/app', reply.data({ password: PASSWORD, user: 'app-user' }));
  vault.route('auth/token/lookup-self', reply.lookupSelf());
  return new VaultKubernetesClient({
    address: vault.address,
    auth: { method: 'token', token: TOKEN },
    logLevel: 'silent',
    retry: { maxRetries: 0 },
  });
}

/** A Standard Schema around `validate`. */
function schemaOf(validate: (value: unknown) => unknown): StandardSchemaV1 {
  return { '~standard': { version: 1, vendor: 'attack', validate } } as unknown as StandardSchemaV1;
}

/** The paths the app's calls reached (the token's own lookup aside). */
function appPaths(): string[] {
  return vault.requests.map((r) => r.path).filter((p) => !p.startsWith('auth/'));
}

/** What a call settled with: the error itself, or 'ok'. */
async function settle(call: () => unknown): Promise<unknown> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    return error;
  }
}

const throwingProxy = () =>
  new Proxy(
    {},
    {
      get() {
        throw new Error(`trap ${PASSWORD}`);
      },
      ownKeys() {
        throw new Error('ownKeys');
      },
      getOwnPropertyDescriptor() {
        throw new Error('descriptor');
      },
      has() {
        throw new Error('has');
      },
    },
  );

describe('options objects that fight back: a typed error naming what, nothing sent', () => {
  const constructorInputs: [string, () => unknown][] = [
    [
      'a getter that throws an Error',
      () => ({
        get address(): string {
          throw new Error(PASSWORD);
        },
      }),
    ],
    [
      'a getter that throws a string',
      () => ({
        address: 'http://127.0.0.1:1',
        get timeouts(): never {
          throw PASSWORD;
        },
      }),
    ],
    [
      'a getter that throws Object.create(null)',
      () => ({
        address: 'http://127.0.0.1:1',
        get retry(): never {
          throw Object.create(null);
        },
      }),
    ],
    ['a Proxy that traps everything', throwingProxy],
    ['nested: auth as a Proxy', () => ({ address: 'http://127.0.0.1:1', auth: throwingProxy() })],
  ];
  for (const [name, input] of constructorInputs) {
    it(`constructor: ${name}`, () => {
      let thrown: unknown;
      try {
        new VaultKubernetesClient(input() as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(VaultConfigError);
      expect((thrown as Error).message).not.toContain(PASSWORD);
    });
  }

  const callOptions: [string, () => unknown][] = [
    [
      'getters that throw',
      () => ({
        get signal(): never {
          throw new Error(PASSWORD);
        },
        get namespace(): never {
          throw new Error(PASSWORD);
        },
      }),
    ],
    [
      'getters that throw a non-Error',
      () => ({
        get signal(): never {
          throw Object.create(null);
        },
        get namespace(): never {
          throw PASSWORD;
        },
      }),
    ],
    ['a Proxy', throwingProxy],
    ['a string', () => 'timeoutMs=5'],
  ];
  for (const [name, options] of callOptions) {
    it(`per-call options, ${name}: every method refuses before any I/O`, async () => {
      const client = await setup();
      const calls: [string, () => unknown][] = [
        ['read', () => client.read('kv/app', options() as never)],
        ['write', () => client.write('kv/app', {}, options() as never)],
        ['list', () => client.list('kv/', options() as never)],
        ['delete', () => client.delete('kv/app', options() as never)],
        ['secret', () => client.secret('kv/app', options() as never)],
        ['rotate', () => client.rotate('kv/app', options() as never)],
        ['watch', () => client.watch('kv/app', () => undefined, options() as never)],
        ['current', () => client.current('kv/app', options() as never)],
        ['invalidate', () => client.invalidate('kv/app', options() as never)],
        ['start', () => client.start(options() as never)],
      ];
      for (const [method, call] of calls) {
        const error = await settle(call);
        expect(error, method).toBeInstanceOf(InvalidRequestError);
        expect((error as Error).message, method).not.toContain(PASSWORD);
      }
      expect(vault.requests).toEqual([]);
      await client.close();
    });
  }

  it('a request spec that is a Proxy, or has a throwing getter for body: InvalidRequestError, nothing sent', async () => {
    const client = await setup();
    expect(await settle(() => client.request(throwingProxy() as never))).toBeInstanceOf(InvalidRequestError);
    const spec = {
      method: 'POST',
      path: 'kv/app',
      get body(): never {
        throw new Error(PASSWORD);
      },
    };
    expect(await settle(() => client.request(spec as never))).toBeInstanceOf(InvalidRequestError);
    expect(vault.requests).toEqual([]);
    await client.close();
  });
});

describe('options read once: what was checked is what is used', () => {
  it('a path getter that turns into "../sys" on its second read: the checked path is the one sent', async () => {
    const client = await setup();
    let reads = 0;
    const spec = {
      method: 'GET',
      get path() {
        reads += 1;
        return reads === 1 ? 'kv/app' : 'kv/../sys/raw/core/keyring';
      },
    };
    await client.request(spec as never);
    expect(reads).toBe(1);
    expect(appPaths()).toEqual(['kv/app']);
    await client.close();
  });

  it('per-call options with getters that change: each read exactly once', async () => {
    const client = await setup();
    const counts: number[] = [];
    /** Options whose getters answer well once, then badly (a CRLF header, a negative timeout). */
    const twoFaced = () => {
      const count = { timeoutMs: 0, namespace: 0, maxRetries: 0 };
      counts.push(0);
      const at = counts.length - 1;
      const read = (key: keyof typeof count) => {
        count[key] += 1;
        counts[at] = Math.max(counts[at]!, count[key]);
        return count[key] === 1;
      };
      return {
        get timeoutMs() {
          return read('timeoutMs') ? 5_000 : -1;
        },
        get namespace() {
          return read('namespace') ? 'team-a' : 'team-a\r\nX-Vault-Token: stolen';
        },
        get maxRetries() {
          return read('maxRetries') ? 0 : 1e9;
        },
      };
    };
    await client.read('kv/app', twoFaced());
    await client.secret('kv/app', twoFaced());
    // Object.assign sets method and path on the two-faced object without reading its getters.
    await client.request(Object.assign(twoFaced(), { method: 'GET' as const, path: 'kv/app' }));
    expect(counts).toEqual([1, 1, 1]);
    const appRequests = vault.requests.filter((r) => !r.path.startsWith('auth/'));
    expect(appRequests).toHaveLength(3);
    for (const request of appRequests) expect(request.headers['x-vault-namespace']).toBe('team-a');
    await client.close();
  });

  it('null options mean none; a path that is not a string is an InvalidRequestError everywhere', async () => {
    const client = await setup();
    expect((await client.secret('kv/app', null as never)).data).toMatchObject({ user: 'app-user' });
    expect(client.current('kv/app', null as never)?.data).toMatchObject({ user: 'app-user' });
    for (const path of [42, undefined, null, { toString: () => 'kv/app' }, Symbol('kv')]) {
      for (const call of [
        () => client.secret(path as never),
        () => client.current(path as never),
        () => client.rotate(path as never),
        () => client.watch(path as never, () => undefined),
        () => client.invalidate(path as never),
        () => client.read(path as never),
      ])
        expect(await settle(call)).toBeInstanceOf(InvalidRequestError);
    }
    expect(await settle(() => client.watch('kv/app', 'not a function' as never))).toBeInstanceOf(
      InvalidRequestError,
    );
    expect(appPaths()).toEqual(['kv/app']);
    await client.close();
  });
});

describe('schemas that throw what is not an Error, or return what is not a result', () => {
  const thrown: [string, () => unknown][] = [
    ['a string quoting the value', () => `bad password ${PASSWORD}`],
    ['null', () => null],
    ['undefined', () => undefined],
    ['Object.create(null)', () => Object.create(null)],
    ['an Error quoting the value', () => new Error(`cannot parse ${PASSWORD}`)],
    ['a Proxy that traps everything', throwingProxy],
  ];
  for (const [name, value] of thrown) {
    it(`throws ${name}: SecretSchemaError from read, secret, current and a watch's error event, never quoting it`, async () => {
      const client = await setup();
      const errors: unknown[] = [];
      client.on('error', (e) => errors.push(e.error));
      const schema = schemaOf(() => {
        throw value();
      });
      const fromRead = await settle(() => client.read('kv/app', { schema }));
      const fromSecret = await settle(() => client.secret('kv/app', { schema }));
      await client.secret('kv/app');
      const fromCurrent = await settle(() => client.current('kv/app', { schema }));
      // A watch of a cached value checks it at once: the typed error is thrown there.
      const fromWatch = await settle(() => client.watch('kv/app', () => undefined, { schema }));
      expect(errors).toEqual([]);
      for (const error of [fromRead, fromSecret, fromCurrent, fromWatch]) {
        expect(error).toBeInstanceOf(SecretSchemaError);
        expect((error as SecretSchemaError).message).not.toContain(PASSWORD);
        expect(JSON.stringify(error)).not.toContain(PASSWORD);
        expect((error as SecretSchemaError).issues).toEqual([
          { field: '(root)', problem: expect.stringMatching(/^the schema threw /) },
        ]);
      }
      await client.close();
    });
  }

  it('an async schema that rejects with a non-Error: SecretSchemaError from read', async () => {
    const client = await setup();
    const schema = schemaOf(() => Promise.reject(Object.create(null)));
    expect(await settle(() => client.read('kv/app', { schema }))).toBeInstanceOf(SecretSchemaError);
    await client.close();
  });

  const results: [string, unknown][] = [
    ['null', null],
    ['a number', 42],
    ['issues that are a string', { issues: 'bad' }],
    ['issues that are an object', { issues: { 0: 'x' } }],
    ['a Proxy whose every read throws', 'proxy'],
  ];
  for (const [name, result] of results) {
    it(`returns ${name}: InvalidRequestError saying it is not a Standard Schema result`, async () => {
      const client = await setup();
      const schema = schemaOf(() => (result === 'proxy' ? throwingProxy() : result));
      for (const call of [
        () => client.read('kv/app', { schema }),
        () => client.secret('kv/app', { schema }),
      ]) {
        const error = await settle(call);
        // (Awaiting a Proxy reads its `then`: for read() that counts as the schema throwing.)
        expect(error).toBeInstanceOf(result === 'proxy' ? VaultClientError : InvalidRequestError);
        expect((error as Error).message).toMatch(/not a Standard Schema result|the schema for kv\/app threw/);
      }
      await client.close();
    });
  }

  it('issues with throwing getters, keys without toString, symbols: fields named, SecretSchemaError', async () => {
    const client = await setup();
    const schema = schemaOf(() => ({
      issues: [
        {
          get message(): string {
            throw new Error(PASSWORD);
          },
          path: ['a'],
        },
        { message: `got ${PASSWORD}`, path: [{ key: Object.create(null) }, Symbol('s'), 3] },
        {
          message: 'x',
          get path(): never {
            throw new Error('path');
          },
        },
        null,
      ],
    }));
    const error = await settle(() => client.read('kv/app', { schema }));
    expect(error).toBeInstanceOf(SecretSchemaError);
    expect((error as SecretSchemaError).issues.map((i) => i.field)).toEqual([
      'a',
      'a value of type object.Symbol(s).3',
      '(root)',
      '(root)',
    ]);
    expect(JSON.stringify(error)).not.toContain(PASSWORD);
    await client.close();
  });

  it("a '~standard' getter that throws: InvalidRequestError before any I/O", async () => {
    const client = await setup();
    const schema = {
      get '~standard'(): never {
        throw new Error(PASSWORD);
      },
    };
    for (const call of [
      () => client.read('kv/app', { schema: schema as never }),
      () => client.secret('kv/app', { schema: schema as never }),
      () => client.watch('kv/app', () => undefined, { schema: schema as never }),
    ])
      expect(await settle(call)).toBeInstanceOf(InvalidRequestError);
    expect(vault.requests).toEqual([]);
    await client.close();
  });
});

describe('schema outputs that cannot be printed: inspect and JSON.stringify never throw, never show a value', () => {
  const outputs: [string, (data: Record<string, unknown>) => unknown][] = [
    [
      'a cycle',
      (data) => {
        const out: Record<string, unknown> = { ...data };
        out.self = out;
        out.list = [out];
        return out;
      },
    ],
    ['a BigInt', (data) => ({ ...data, big: 10n ** 30n })],
    [
      'a getter that throws (quoting the value)',
      (data) => ({
        ...data,
        get boom(): never {
          throw new Error(`getter ${PASSWORD}`);
        },
      }),
    ],
    [
      'a Buffer of 1 MB, a Date, a Map and a Set',
      (data) => ({
        ...data,
        key: Buffer.alloc(1 << 20, 7),
        at: new Date(),
        map: new Map([['p', PASSWORD]]),
        set: new Set([PASSWORD]),
      }),
    ],
    [
      'a class instance',
      (data) =>
        new (class Credentials {
          password = PASSWORD;
          user = data.user;
        })(),
    ],
    ['a Proxy', () => throwingProxy()],
    [
      'nesting 100,000 deep',
      (data) => {
        let out: Record<string, unknown> = { ...data };
        for (let i = 0; i < 100_000; i++) out = { next: out };
        return out;
      },
    ],
  ];
  for (const [name, transform] of outputs) {
    it(name, async () => {
      const client = await setup();
      const schema = schemaOf((value) => ({ value: transform(value as Record<string, unknown>) }));
      const delivered: unknown[] = [];
      const stop = client.watch(
        'kv/app',
        (s) => {
          delivered.push(s);
        },
        { schema },
      );
      await stop.ready;
      // read() is async: an output whose `then` throws cannot be handed back, a typed error is.
      const read = await client.read('kv/app', { schema }).catch((e: unknown) => e);
      if (name === 'a Proxy') expect(read).toBeInstanceOf(InvalidRequestError);
      const printed: unknown[] = [
        await client.secret('kv/app', { schema }),
        client.current('kv/app', { schema }),
        read,
        delivered[0],
        client,
      ];
      for (const value of printed) {
        expect(value).toBeDefined();
        const started = performance.now();
        const text = `${inspect(value, { depth: 10 })}\n${JSON.stringify(value)}`;
        expect(text).not.toContain(PASSWORD);
        // A masked Buffer is one marker, not a million: printing stays cheap.
        expect(text.length).toBeLessThan(20_000);
        expect(performance.now() - started).toBeLessThan(1_000);
      }
      stop();
      await client.close();
    });
  }
});
