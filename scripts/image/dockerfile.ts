// Reads a Dockerfile into its stages and instructions, for the rehearsal without Docker (rehearse.ts) and the
// deploy tests. Knows the syntax our Dockerfile uses: comments, line continuations, `--flag=value` options, exec
// form (a JSON array) and shell form.

export type Instruction = {
  /** Upper case: FROM, WORKDIR, COPY, RUN, ENV, USER, EXPOSE, HEALTHCHECK, CMD, … */
  op: string;
  /** `--from=build` → { from: 'build' } (before the arguments only, as Docker reads them). */
  flags: Record<string, string>;
  /** What follows the flags, as written (continuations joined). */
  rest: string;
  /** The exec form's array, when `rest` is one. */
  exec?: string[];
  /** The line it starts on, for messages. */
  line: number;
};

export type Stage = { image: string; name?: string; instructions: Instruction[] };

/** Options come first: `--name=value` words. HEALTHCHECK's own are flags too, before its CMD. */
function splitFlags(text: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = text;
  for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(rest); m; m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    flags[m[1]!] = m[2]!;
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

function execForm(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(rest);
    return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
  } catch {
    return undefined; // Docker runs an invalid array as a shell command; so do we
  }
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i]!.trim();
    if (!logical || logical.startsWith('#')) continue;
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      logical = `${logical.slice(0, -1).trimEnd()} `;
      const next = lines[++i]!.trim();
      if (!next.startsWith('#')) logical += next; // comment lines inside a continuation are dropped, as Docker does
    }
    const m = /^([A-Za-z]+)\s*(.*)$/.exec(logical);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot read ${JSON.stringify(logical)}`);
    const op = m[1]!.toUpperCase();
    const { flags, rest } = splitFlags(m[2]!);
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!from) throw new Error(`Dockerfile line ${start + 1}: FROM ${rest}`);
      stages.push({ image: from[1]!, name: from[2], instructions: [] });
      continue;
    }
    if (!stages.length) throw new Error(`Dockerfile line ${start + 1}: ${op} before FROM`);
    const instruction: Instruction = { op, flags, rest, line: start + 1 };
    const exec = execForm(op === 'HEALTHCHECK' ? rest.replace(/^CMD\s+/, '') : rest);
    if (exec) instruction.exec = exec;
    stages.at(-1)!.instructions.push(instruction);
  }
  return stages;
}

/** `ENV A=1 B="two words"` → { A: '1', B: 'two words' }. */
export function parseEnv(rest: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    env[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  }
  return env;
}
