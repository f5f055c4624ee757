/** TLS for the client: its options, the environment variables that default them, and their files. */
export { type ClientEnvironment, clientEnvironment, type Environment, type EnvValue } from './env.js';
export { readPemFile } from './files.js';
export { type Pem, type TlsConnectOptions, type TlsOptions, tlsConnectOptions } from './options.js';
