/**
 * @peculiar/x509 and the ASN.1 classes it is built on, ready to use: its dependency injection
 * container needs a Reflect metadata polyfill loaded before it, and it signs with whatever
 * WebCrypto it is given (Node's here). Only generate.ts loads this, lazily, so an agent that
 * merely loads TLS files neither pays for the library nor gets the global polyfill.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { AsnConvert } from '@peculiar/asn1-schema';
export {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  id_ce_nameConstraints,
  NameConstraints,
} from '@peculiar/asn1-x509';
export { x509 };
