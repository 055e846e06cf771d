import type { UsernameTemplate } from '../username-template';
import { usernameTemplate } from './connection-details';
import type { DatabasePlugin, NewUserRequest } from './plugin';

/** The in-memory plugin names its users as PostgreSQL's does, so a test can switch one for the other. */
const DEFAULT_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}';

/**
 * `in-memory-database-plugin`, the mock's own plugin for tests without a database server: no
 * connection, no SQL. The engine's record of the users it created is the whole database, so a
 * credential "works" exactly while its lease lives (see `mock.databaseCredentialWorks`).
 */
export class InMemoryPlugin implements DatabasePlugin {
  #template: UsernameTemplate | undefined;

  async initialize(details: Readonly<Record<string, unknown>>): Promise<void> {
    this.#template = usernameTemplate(details, DEFAULT_USERNAME_TEMPLATE);
  }

  async newUser(request: NewUserRequest): Promise<string> {
    return this.#template!.generate(request.metadata, request.now);
  }

  async changePassword(): Promise<void> {}
  async changeExpiration(): Promise<void> {}
  async deleteUser(): Promise<void> {}
  async close(): Promise<void> {}
}
