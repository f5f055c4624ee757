import { methodsOf, type Route } from './types.js';

const READS: Readonly<Record<Route['read'], string>> = {
  blocking: 'blocking',
  consistency: 'consistency',
  write: 'write',
  local: 'local',
};

/** docs/routes.md, generated from the route table (scripts/routes-doc.ts writes it; a test compares). */
export function renderRouteTable(table: readonly Route[]): string {
  const rows = table.map((r) => {
    const cells = [
      methodsOf(r).join(', '),
      `\`${r.url}\``,
      READS[r.read],
      r.acl.doc,
      r.summary + ('socket' in r ? ' (WebSocket)' : ''),
    ];
    return `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  });
  return [
    '# HTTP routes',
    '',
    '<!-- Generated from src/http/routes by `node dist/scripts/docs.js`; test/http/routes/table.test.ts',
    '     fails when this file is not current. Do not edit by hand. -->',
    '',
    'Every route of the HTTP API, from the one route table (`src/http/routes/index.ts`, one file per area).',
    '',
    '**Reads** says what the request hook (`src/http/request-info.ts`) parses for the route:',
    '',
    '- `blocking`: `?stale` / `?consistent` / `?max_stale` and `?index` / `?wait`; answers carry',
    '  `X-Consul-Index` and the other query headers.',
    '- `consistency`: the consistency mode only.',
    '- `write`: a change through Raft (or a membership change); no read parameters.',
    '- `local`: answered from this server as it is; no read parameters.',
    '',
    'Every route takes the ACL token (`?token=`, then `X-Consul-Token`, then `Authorization: Bearer`).',
    '',
    '**Permission** is the ACL rule the route needs, as Consul checks it: `resource:access` on a',
    'segment taken from the request. "Filtered" means the route needs no rule up front but leaves',
    'out of its answer what the token may not read. The permissions are declared, not yet enforced:',
    'enforcement comes with the ACL system.',
    '',
    'To add a route, add an entry to its area file in `src/http/routes/` (method, path, read mode,',
    'permission, summary, handler) and regenerate this file. The handler is called as',
    '`handler(req, reply, ctx)` with `req.cairn` already parsed (token, consistency, blocking);',
    'reads that block go through `ctx.reads.answer`. A route added to fastify any other way fails',
    'test/http/routes/table.test.ts.',
    '',
    '| Method | Path | Reads | Permission | What |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
