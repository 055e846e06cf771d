// The engine lives in ./kv-v2/; this module keeps the factory's import path for the catalog.
export { kvV2Backend } from './kv-v2/index';
