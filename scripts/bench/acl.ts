import {
  type Access,
  type AccessLevel,
  compilePolicies,
  type Policy,
  parseRules,
  type Resource,
  type Rule,
} from '../../src/acl/index.js';
import { mulberry32 } from '../../test/support/random.js';
import {
  benchOutput,
  cpuSeconds,
  intFlag,
  machineBusySeconds,
  parseFlags,
  quantile,
  round,
} from './support/index.js';

/**
 * `npm run bench:acl`: decisions per second of one compiled token, the base for the goal that
 * ACLs cost lookups and KV reads at most 10%. A seeded `--rules`-rule policy (exact and prefix
 * rules on key, service, node and session, segments like `team3/app12/`) is written in HCL,
 * parsed and compiled; then `--repeats` rounds of `--seconds` s ask `allowed` over a fixed set of
 * 10,000 questions (about half hitting a rule, half falling to the default). One JSON line on
 * stdout: the median round's decisions/s, ns per decision, parse and compile times, and the CPU
 * other processes used meanwhile (the machine is shared).
 */
const out = benchOutput('bench:acl');
const flags = parseFlags(
  {
    rules: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
  },
  out.fail,
);
const int = (name: string, min: number, max: number): number => intFlag(flags, name, min, max, out.fail);
const ruleCount = int('rules', 1, 2000);
const seconds = int('seconds', 1, 60);
const repeats = int('repeats', 1, 20);
const random = mulberry32(int('seed', 0, 2 ** 31));

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
const RESOURCES: readonly Resource[] = ['key', 'service', 'node', 'session'];
const LEVELS: readonly AccessLevel[] = ['read', 'write', 'deny', 'read', 'write'];
const name = (): string => {
  const depth = 1 + Math.floor(random() * 3);
  return Array.from(
    { length: depth },
    (_, i) => `${['team', 'app', 'cfg'][i]}${Math.floor(random() * 20)}`,
  ).join('/');
};

const rules: Rule[] = [];
for (let i = 0; i < ruleCount; i++) {
  const resource = pick(RESOURCES);
  const prefix = random() < 0.5;
  rules.push({ resource, segment: prefix ? `${name()}/` : name(), prefix, policy: pick(LEVELS) });
}
const hcl = rules
  .map(
    (r) =>
      `${r.resource}${r.prefix ? '_prefix' : ''} ${JSON.stringify(r.segment)} {\n  policy = "${r.policy}"\n}`,
  )
  .join('\n');

const parseStarted = performance.now();
const parsed = await parseRules(hcl);
const firstParseMs = performance.now() - parseStarted;
const warmStarted = performance.now();
await parseRules(hcl);
const parseMs = performance.now() - warmStarted;
if (parsed.length !== ruleCount) out.fail(`parsed ${parsed.length} rules of ${ruleCount}`);

const policy: Policy = { name: 'bench', rules: parsed };
// Compiling happens once per token and policy version; timed after the JIT has warmed up.
let authorizer = compilePolicies([policy], 'deny');
for (let i = 0; i < 200; i++) authorizer = compilePolicies([policy], 'deny');
const COMPILES = 200;
const batches: number[] = [];
for (let b = 0; b < 9; b++) {
  const started = performance.now();
  for (let i = 0; i < COMPILES; i++) authorizer = compilePolicies([policy], 'deny');
  batches.push(((performance.now() - started) / COMPILES) * 1000);
}
// The median batch: a collection or another process's burst lands in one batch, not all.
batches.sort((a, b) => a - b);
const compileUs = quantile(batches, 0.5) ?? 0;

interface Question {
  readonly resource: Resource;
  readonly segment: string;
  readonly access: Access;
}
const questions: Question[] = Array.from({ length: 10_000 }, () => {
  const resource = pick(RESOURCES);
  const base = random() < 0.5 ? pick(rules).segment : name();
  const segment =
    random() < 0.5 ? `${base}${base.endsWith('/') ? '' : '/'}leaf${Math.floor(random() * 5)}` : base;
  const access: Access = resource === 'key' && random() < 0.2 ? 'list' : random() < 0.7 ? 'read' : 'write';
  return { resource, segment, access };
});
const allowedShare =
  questions.filter((q) => authorizer.allowed(q.resource, q.segment, q.access)).length / 10_000;

out.progress(`${ruleCount} rules; ${repeats} rounds of ${seconds} s`);
const ownBefore = cpuSeconds(process.pid);
const busyBefore = machineBusySeconds();
const rates: number[] = [];
let sink = 0;
for (let r = 0; r < repeats; r++) {
  const deadline = performance.now() + seconds * 1000;
  let decisions = 0;
  const started = performance.now();
  while (performance.now() < deadline) {
    // Batches between clock reads, so the clock is not what is measured.
    for (const q of questions) if (authorizer.allowed(q.resource, q.segment, q.access)) sink++;
    decisions += questions.length;
  }
  rates.push(decisions / ((performance.now() - started) / 1000));
}
const ownAfter = cpuSeconds(process.pid);
const busyAfter = machineBusySeconds();
rates.sort((a, b) => a - b);
const median = quantile(rates, 0.5) ?? 0;
const others =
  ownBefore === null || ownAfter === null || busyBefore === null || busyAfter === null
    ? null
    : round(busyAfter - busyBefore - (ownAfter - ownBefore));

process.stdout.write(
  `${JSON.stringify({
    bench: 'acl',
    rules: ruleCount,
    questions: questions.length,
    allowedShare: round(allowedShare),
    decisionsPerSecond: Math.round(median),
    nsPerDecision: round(1e9 / median, 1),
    minDecisionsPerSecond: Math.round(rates[0] ?? 0),
    maxDecisionsPerSecond: Math.round(rates[rates.length - 1] ?? 0),
    firstParseMs: round(firstParseMs, 1),
    parseMs: round(parseMs, 1),
    compileUs: round(compileUs, 1),
    otherProcessesCpuSeconds: others,
    checksum: sink % 1000,
  })}\n`,
);
