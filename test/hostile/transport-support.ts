import { inspect } from 'node:util';
import { type ClientOptions, type Logger, VaultKubernetesClient } from 'vault-kubernetes-client';
import { describeError, EVENT_NAMES } from '../helpers/harness';
import type { HostileVault } from './server';

/** What a client against the hostile Vault produced that a human or a log pipeline could see. */
export interface Observed {
  client: VaultKubernetesClient;
  logs: { level: string; message: string; fields: Record<string, unknown> }[];
  events: { name: string; payload: unknown }[];
  errors: unknown[];
  /** Captures what `promise` rejects with (into `errors`) and returns it. */
  failure(promise: Promise<unknown>): Promise<unknown>;
  /** Every log line, event, error (message, stack, causes, inspect, JSON) and the client itself, as text. */
  visible(): string;
}

/** A client of `vault` with a static token (no login unless `options.auth` says so), recording everything. */
export function observe(vault: HostileVault, options: Partial<ClientOptions> = {}): Observed {
  const logs: Observed['logs'] = [];
  const events: Observed['events'] = [];
  const errors: unknown[] = [];
  const logger: Logger = {
    debug: (fields, message) => logs.push({ level: 'debug', fields, message }),
    info: (fields, message) => logs.push({ level: 'info', fields, message }),
    warn: (fields, message) => logs.push({ level: 'warn', fields, message }),
    error: (fields, message) => logs.push({ level: 'error', fields, message }),
  };
  const client = new VaultKubernetesClient({
    address: vault.address,
    auth: { method: 'token', token: 'hvs.CAESIJlU-static-token-for-hostile-tests-0001' },
    logger,
    logLevel: 'debug',
    retry: { maxRetries: 0 },
    ...options,
  });
  for (const name of EVENT_NAMES) client.on(name, (payload: unknown) => events.push({ name, payload }));
  return {
    client,
    logs,
    events,
    errors,
    async failure(promise) {
      try {
        await promise;
      } catch (error) {
        errors.push(error);
        return error;
      }
      throw new Error('expected the call to fail');
    },
    visible() {
      const parts: string[] = [];
      for (const line of logs)
        parts.push(line.message, JSON.stringify(line.fields), inspect(line.fields, { depth: 8 }));
      for (const event of events) parts.push(inspect(event.payload, { depth: 8 }), safeJson(event.payload));
      for (const error of errors) parts.push(describeError(error));
      parts.push(inspect(client, { depth: 8 }), safeJson(client));
      return parts.join('\n');
    },
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** The secrets found in `text`, shown by their first characters only (a failing test must not print them either). */
export function leaked(text: string, secrets: Iterable<string>): string[] {
  return [...secrets].filter((secret) => text.includes(secret)).map((secret) => `${secret.slice(0, 4)}…`);
}
