/** A Dockerfile read into its stages and instructions, enough to run its steps without Docker. */

export interface Instruction {
  /** Upper case: RUN, COPY, CMD... */
  readonly keyword: string;
  /** The rest of the instruction, continuation lines joined with a space. */
  readonly args: string;
  /** 1-based line where the instruction starts. */
  readonly line: number;
}

export interface Stage {
  /** The base image. */
  readonly from: string;
  /** The name given with `AS`, or null. */
  readonly name: string | null;
  readonly instructions: readonly Instruction[];
}

/** Splits a Dockerfile into stages; throws naming the line when an instruction comes before FROM. */
export function parseDockerfile(text: string): Stage[] {
  const stages: { from: string; name: string | null; instructions: Instruction[] }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let logical = (lines[i] ?? '').trim();
    if (logical === '' || logical.startsWith('#')) continue;
    // A trailing backslash continues the instruction; blank and comment lines inside it are dropped, as Docker does.
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = (lines[i] ?? '').trim();
      if (next === '' || next.startsWith('#')) continue;
      logical = `${logical.slice(0, -1).trimEnd()} ${next}`;
    }
    if (logical.endsWith('\\')) logical = logical.slice(0, -1).trimEnd();
    const m = /^(\S+)\s*(.*)$/.exec(logical);
    const keyword = (m?.[1] ?? '').toUpperCase();
    const args = (m?.[2] ?? '').trim();
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from?.[1]) throw new Error(`Dockerfile line ${first}: FROM needs an image`);
      stages.push({ from: from[1], name: from[2] ?? null, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`Dockerfile line ${first}: ${keyword} before any FROM`);
    stage.instructions.push({ keyword, args, line: first });
  }
  return stages;
}

/** The instructions of one keyword in a stage. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** An exec-form argument list (`["node", "x"]`), or null for the shell form. */
export function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return null;
  }
  return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : null;
}

/** HEALTHCHECK's command: what follows its options and CMD. */
export function healthcheckCommand(args: string): string[] | null {
  const m = /(?:^|\s)CMD\s+(.*)$/.exec(args);
  return m?.[1] === undefined ? null : execForm(m[1].trim());
}

/** The ports of the EXPOSE instructions, as written (`8500`, `8600/udp`). */
export function exposedPorts(stage: Stage): string[] {
  return instructionsOf(stage, 'EXPOSE').flatMap((i) => i.args.split(/\s+/).filter((p) => p !== ''));
}
