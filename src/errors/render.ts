import { ERROR_CATALOG, type ErrorCode } from './catalog.js';

/** docs/errors.md, generated from the catalog (scripts/docs.ts writes it; a test compares). */
export function renderErrorCatalog(): string {
  const rows = (Object.keys(ERROR_CATALOG) as ErrorCode[]).map((code) => {
    const e = ERROR_CATALOG[code];
    const status = e.status === null ? (e.exit === undefined ? '—' : `exit ${e.exit}`) : String(e.status);
    const meaning = (e.field === undefined ? '' : `Message starts \`${e.field}: \`. `) + e.meaning;
    return `| \`${code}\` | ${status} | ${meaning.replaceAll('|', '\\|')} |`;
  });
  return [
    '# Error catalog',
    '',
    '<!-- Generated from src/errors/catalog.ts by `node dist/scripts/docs.js`; test/errors/catalog.test.ts',
    '     fails when this file is not current. Do not edit by hand. -->',
    '',
    'Every error cairn raises has a stable `code`: UPPER_SNAKE, prefixed with the module or API area',
    'it comes from. Codes are never reused for something else. Each module declares its own list',
    '(`HTTP_ERROR_CODES` in src/http/http-codes.ts, `FILTER_ERROR_CODES`, `SERVER_ERROR_CODES`,',
    '`STATE_ERROR_CODES`, `RAFT_ERROR_CODES`, `TRANSPORT_ERROR_CODES`, `STORAGE_ERROR_CODES`,',
    '`ACL_ERROR_CODES`, `CLI_ERROR_CODES`); the catalog, `src/errors/catalog.ts`, maps every one of them to:',
    '',
    '- the HTTP status it is answered with. `—` marks errors that never reach HTTP as themselves:',
    "  Raft's, the transport's and storage's are seen by the server, which answers with a `SERVER_*`",
    "  code instead. The CLI's show their exit status.",
    '- the only prefix added to its message. A message that is about one parameter or body field',
    '  starts with it (`TTL: must be between 10s and 24h`); that prefix is added once, by the catalog',
    '  (`errorText`), never by the module that raised the error nor by the HTTP layer on top.',
    '',
    'Error bodies are plain text, as Consul sends them. Messages Consul clients parse keep',
    "Consul's wording: `No cluster leader`, `Missing key name`, `Invalid index`, `Invalid wait time`,",
    '`Cannot specify ?stale with ?consistent, conflicting semantics.`, `CheckID "x" does not have',
    'associated TTL`, `Invalid URL path: not a recognized HTTP API endpoint`.',
    '',
    '| Code | HTTP status | Meaning |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
