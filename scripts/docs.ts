import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderErrorCatalog } from '../src/errors/index.js';
import { ROUTE_TABLE, renderRouteTable } from '../src/http/routes/index.js';

// Writes the generated docs (tests fail when they are not current). Run from dist/scripts.
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
writeFileSync(join(root, 'docs', 'routes.md'), renderRouteTable(ROUTE_TABLE));
writeFileSync(join(root, 'docs', 'errors.md'), renderErrorCatalog());
process.stdout.write(`wrote docs/routes.md (${ROUTE_TABLE.length} routes) and docs/errors.md\n`);
