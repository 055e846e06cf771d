import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VaultKubernetesClient } from 'vault-kubernetes-client';
import type { ManualClock } from 'vault-kubernetes-client/testing';

/**
 * A small scripted Vault on loopback for the upkeep hostile tests: every request is recorded and
 * answered by `answer` (status and JSON body, or `hang` to never answer). The transport helper's
 * richer test/hostile/server.ts does bytes-level faults; these tests need only answers.
 */
export interface ScriptedVault {
  address: string;
  requests: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[];
  answer: (request: { method: string; path: string; body: string }) => Answer;
  close(): Promise<void>;
}

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

export async function startScriptedVault(answer: ScriptedVault['answer']): Promise<ScriptedVault> {
  const hanging = new Set<ServerResponse>();
  const vault: ScriptedVault = {
    address: '',
    requests: [],
    answer,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/v1\//, ''));
      vault.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
      const reply = vault.answer({ method: req.method ?? 'GET', path, body });
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  vault.address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return vault;
}

let serial = 0;
/** A login answer as Vault sends it: a fresh token each time. */
export function loginAnswer(ttlSeconds = 3600): Answer {
  serial += 1;
  return {
    status: 200,
    body: {
      request_id: `r-${serial}`,
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      auth: {
        client_token: `hvs.CAESIhostiletoken${String(serial).padStart(12, '0')}`,
        accessor: `accessor-${serial}`,
        policies: ['default'],
        token_policies: ['default'],
        lease_duration: ttlSeconds,
        renewable: true,
      },
    },
  };
}

/** Vault's answer when the token is no good. */
export const invalidToken: Answer = { status: 403, body: { errors: ['permission denied', 'invalid token'] } };
/** Vault's answer while sealed. */
export const sealed: Answer = { status: 503, body: { errors: ['Vault is sealed'] } };

/** A service-account JWT as kubelet writes it (unsigned: a scripted Vault never checks it). */
export function serviceAccountJwt(nowMs = Date.now()): string {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(nowMs / 1000);
  return [
    b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' }),
    b64({
      iss: 'https://kubernetes.default.svc.cluster.local',
      sub: 'system:serviceaccount:default:app',
      aud: ['https://kubernetes.default.svc.cluster.local'],
      iat: now,
      nbf: now,
      exp: now + 30 * 86_400,
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'app', uid: 'u-1' } },
    }),
    'c2lnbmF0dXJl',
  ].join('.');
}

/** A KV v1-style read answer (no lease) carrying `data`. */
export function kvAnswer(data: Record<string, unknown>): Answer {
  return { status: 200, body: { request_id: 'r', lease_id: '', renewable: false, lease_duration: 0, data } };
}

/** An app calling `call` `perTick` times every `everyMs` for `forMs` of simulated time; returns what settled how. */
export async function hammer(
  clock: ManualClock,
  forMs: number,
  everyMs: number,
  perTick: number,
  call: () => Promise<unknown>,
): Promise<('ok' | 'error')[]> {
  const outcomes: ('ok' | 'error')[] = [];
  for (let t = 0; t <= forMs; t += everyMs) {
    const calls = Array.from({ length: perTick }, () =>
      call().then(
        () => outcomes.push('ok'),
        () => outcomes.push('error'),
      ),
    );
    await clock.advance(everyMs);
    await Promise.all(calls);
  }
  return outcomes;
}

/**
 * A client of `vault` on `clock`: logged in with a fresh service-account JWT, silent, no retries of
 * its own (the tests count requests), `error` events taken; `overrides` win.
 */
export function scriptedClient(
  vault: ScriptedVault,
  clock: ManualClock,
  overrides: Record<string, unknown> = {},
): VaultKubernetesClient {
  const client = new VaultKubernetesClient({
    address: vault.address,
    auth: { role: 'app', jwt: serviceAccountJwt(clock.now()) },
    clock,
    logLevel: 'silent',
    retry: { maxRetries: 0 },
    ...overrides,
  });
  client.on('error', () => undefined);
  return client;
}

/** A dynamic secret answer: a new lease (`ttlSeconds`, renewable) and a new user for each `n`. */
export function creds(n: number, ttlSeconds = 60): Answer {
  return {
    status: 200,
    body: {
      request_id: `r-${n}`,
      lease_id: `database/creds/app/lease-${n}`,
      renewable: true,
      lease_duration: ttlSeconds,
      data: { username: `v-app-${n}`, password: `A1a-password-${n}` },
    },
  };
}
