/**
 * `npm run pack:client`: the SDK as a package an application installs, `@cairn-registry/client`
 * (the npm name `cairn` belongs to an unrelated package). Stages the compiled SDK (dist/src/client
 * and the pure strategies it imports, dist/src/balance) with packages/client/package.json, whose
 * version and dependency versions are taken from the root package.json so they cannot drift, and
 * runs `npm pack`. Prints the tarball's path.
 *
 *   npm run pack:client [-- --out DIR]      (default: the repository's tmp/ directory)
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The repository root (this file is dist/scripts/pack-client.js). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface PackageJson {
  name: string;
  version?: string;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * Writes the package's files into `dir` (created; must not exist yet or be empty): what `npm pack`
 * packs, and what a test can also link as node_modules/@cairn-registry/client.
 */
export function stageClientPackage(dir: string, root = REPO_ROOT): PackageJson {
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  const pkg = JSON.parse(
    readFileSync(join(root, 'packages', 'client', 'package.json'), 'utf8'),
  ) as PackageJson;
  const rootDeps = rootPkg.dependencies ?? {};
  const deps: Record<string, string> = {};
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    const version = rootDeps[name];
    if (version === undefined)
      throw new Error(`${name}: the client depends on it but the root package.json does not`);
    deps[name] = version;
  }
  const out: PackageJson = { ...pkg, version: rootPkg.version ?? '0.0.0', dependencies: deps };
  for (const part of ['client', 'balance']) {
    const from = join(root, 'dist', 'src', part);
    if (!existsSync(from)) throw new Error(`${from} is missing: run npm run build first`);
    cpSync(from, join(dir, 'dist', 'src', part), {
      recursive: true,
      // Source maps point at ../../src files the package does not ship.
      filter: (f) => !f.endsWith('.map'),
    });
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(out, null, 2)}\n`);
  cpSync(join(root, 'src', 'client', 'README.md'), join(dir, 'README.md'));
  return out;
}

/** Stages the package and packs it into `outDir`; returns the tarball's path. */
export function packClient(outDir: string, root = REPO_ROOT): string {
  mkdirSync(outDir, { recursive: true });
  const stage = mkdtempSync(join(outDir, 'client-stage-'));
  try {
    stageClientPackage(stage, root);
    const printed = execFileSync('npm', ['pack', '--silent', '--pack-destination', resolve(outDir)], {
      cwd: stage,
      encoding: 'utf8',
    });
    const file = printed.trim().split('\n').pop() ?? '';
    return join(resolve(outDir), file);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { values } = parseArgs({ options: { out: { type: 'string' } } });
    process.stdout.write(`${packClient(values.out ?? join(REPO_ROOT, 'tmp'))}\n`);
  } catch (e) {
    process.stderr.write(`pack:client: ${(e as Error).message.split('\n')[0]}\n`);
    process.exit(1);
  }
}
