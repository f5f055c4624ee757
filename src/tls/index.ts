/**
 * Agent TLS: making a CA and certificates (`cairn tls`), loading and checking the files an agent
 * is given, and the Node tls options and server-name check built from them.
 *
 * Generating pulls in @peculiar/x509; import `./generate.js` through this module only where
 * certificates are made (the CLI loads it lazily), loading needs node:crypto alone.
 */
export { TlsFileError, TlsGenerateError } from './errors.js';
export {
  type CaRequest,
  type CertRequest,
  createCa,
  createCert,
  type PemPair,
  type SignedCert,
} from './generate.js';
export { loadTlsFiles, type TlsFilePaths } from './load.js';
export { checkTlsTexts, type NamedText, type TlsMaterial, type TlsTexts } from './material.js';
export {
  bareDomain,
  type CaFileNames,
  type CertFileNames,
  type CertKind,
  caFileNames,
  certFileNames,
  certFilePrefix,
  firstFreeCertFiles,
  identityName,
  MAX_CERT_INDEX,
  namesOutsideConstraints,
  permittedDnsDomains,
  type SanList,
  type SanRequest,
  sanList,
  serverName,
} from './names.js';
export {
  type ClientVerification,
  type TlsSettings,
  tlsClientOptions,
  tlsServerOptions,
  tlsSettingsProblem,
} from './options.js';
export { serverNameCheck, verifyServerName } from './server-name.js';
