import { randomUUID } from 'node:crypto';

/**
 * The identity store's side of a login (vault/identity_store.go CreateOrFetchEntity): the first
 * login of an alias name on a mount creates an entity, every later one finds the same entity, so
 * tokens of one service account, user or role ID share an `entity_id`.
 */
export class EntityAliases {
  readonly #entities = new Map<string, string>();

  idFor(alias: string): string {
    let id = this.#entities.get(alias);
    if (id === undefined) {
      id = randomUUID();
      this.#entities.set(alias, id);
    }
    return id;
  }
}
