export type { DatabaseBackend, DatabaseUser, DatabaseUserFilter } from './database/index';
export { databaseBackend, databaseCredentialWorks, databaseUsers } from './database/index';
