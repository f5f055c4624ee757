/**
 * @peculiar/x509, ready to use: its dependency injection container needs a Reflect metadata
 * polyfill loaded before it, and it signs with whatever WebCrypto it is given (Node's here).
 * Import the library through this module only, so the order cannot be got wrong.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { x509 };
