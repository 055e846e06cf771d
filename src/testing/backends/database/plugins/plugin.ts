import type { UsernameMetadata } from '../username-template';

/** What the engine asks of a database plugin: Vault's dbplugin v5 interface, minus the gRPC. */
export interface NewUserRequest {
  metadata: UsernameMetadata;
  /** '' unless the role's credential_type is password. */
  password: string;
  /** rsa_private_key: the PEM public key the user logs in with. */
  publicKey?: string;
  /** client_certificate: the certificate's subject (`CN=...`) the user is created for. */
  subject?: string;
  /** Epoch ms: the lease's end plus Vault's 5 s margin, passed to SQL as `{{expiration}}`. */
  expiresAt: number;
  statements: readonly string[];
  rollback: readonly string[];
  /** The mock clock's time, for `unix_time` in the username template. */
  now: number;
}

export interface DatabasePlugin {
  /** Takes the connection details, checks them and, with `verify`, connects once. */
  initialize(details: Readonly<Record<string, unknown>>, verify: boolean): Promise<void>;
  /** Creates a user with the role's creation statements; returns the generated username. */
  newUser(request: NewUserRequest): Promise<string>;
  changePassword(username: string, password: string, statements: readonly string[]): Promise<void>;
  changeExpiration(username: string, expiresAt: number, statements: readonly string[]): Promise<void>;
  deleteUser(username: string, statements: readonly string[]): Promise<void>;
  /** Closes the plugin's connections to its database. */
  close(): Promise<void>;
}

/** A plugin failure, worded as the plugin words it, with the root password already scrubbed. */
export class PluginError extends Error {}

/** NewDatabaseErrorSanitizerMiddleware: the root password never leaves the plugin in an error. */
export function sanitize(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[password]');
  return out;
}
