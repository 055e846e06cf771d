export { pkiBackend } from './pki/index';
