export { transitBackend } from './transit/index';
