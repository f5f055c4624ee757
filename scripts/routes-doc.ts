import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTE_TABLE, renderRouteTable } from '../src/http/routes/index.js';

// Run from dist/scripts: the repository is two levels up.
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
writeFileSync(join(root, 'docs', 'routes.md'), renderRouteTable(ROUTE_TABLE));
process.stdout.write(`wrote docs/routes.md (${ROUTE_TABLE.length} routes)\n`);
