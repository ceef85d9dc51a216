import { parseArgs } from 'node:util';
import { ErrorCode, MailsecError } from '../core/errors.ts';

/**
 * Commands as data (citty/changesets style): each `src/cli/<command>.ts` exports a definition;
 * help text is generated from it, and main.ts loads a command's module only when it runs.
 */
export interface OptionDef {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** shown in help; a string option's value name goes in `value` */
  readonly description: string;
  readonly value?: string;
  /** shown in help as [default: …]; text such as "never" where the default is a behaviour */
  readonly default?: string | boolean;
  /** a value for the "try" hint when it is missing, e.g. 127.0.0.1 */
  readonly example?: string;
}

export interface CommandIo {
  /** standard input, for commands that read `-` */
  readonly stdin?: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

export interface CommandDef {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** longer description shown under the summary in --help */
  readonly description?: string;
  readonly options: Record<string, OptionDef>;
  readonly examples: readonly string[];
  /** commands below this one (`generate spf`): the first argument picks one, with its own options and help */
  readonly subcommands?: Readonly<Record<string, CommandDef>>;
  /** the command takes positionals of its own beside its subcommands (`scan INPUT`, `scan export`) */
  readonly ownPositionals?: boolean;
  /** help for these arguments (a subcommand's own), instead of the generated one */
  help?(args: ParsedArgs): string;
  /** the exit statuses this command returns, shown in --help (interface.md) */
  readonly exitStatus?: Readonly<Record<number, string>>;
  /** returns the exit status */
  run(args: ParsedArgs, io: CommandIo): Promise<number>;
}

export function parseCommandArgs(def: CommandDef, argv: readonly string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(def.options)) {
    options[name] = { type: o.type };
    if (o.short) options[name].short = o.short;
    if (o.multiple) options[name].multiple = true;
  }
  options.help = { type: 'boolean', short: 'h' };
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (e) {
    throw usageErrorOf(def, e);
  }
}

/** parseArgs' errors, said the mailsec way: which option, what it wants, what to try. */
function usageErrorOf(def: CommandDef, e: unknown): MailsecError {
  const err = e as { code?: string; message?: string };
  const message = err?.message ?? String(e);
  const see = `see: mailsec ${def.name} --help`;
  const named = /^Option '(-{1,2}[^' ]+)/.exec(message)?.[1];
  const name = named?.replace(/^-+/, '');
  const opt = name
    ? (def.options[name] ?? Object.values(def.options).find((o) => o.short === name))
    : undefined;
  const flag = name && def.options[name] ? `--${name}` : named;
  if (err?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    if (/does not take an argument/.test(message))
      return new MailsecError(ErrorCode.Usage, `${flag} takes no value`, `write ${flag} alone; ${see}`);
    const what = opt?.value ? ` (${opt.value})` : '';
    const follows = /ambiguous/.test(message) ? ', but another option follows it' : '';
    const example = opt?.example ? `try: ${flag} ${opt.example}` : see;
    return new MailsecError(ErrorCode.Usage, `${flag} needs a value${what}${follows}`, example);
  }
  if (err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1] ?? message;
    return new MailsecError(
      ErrorCode.Usage,
      `${def.name}: unknown option ${unknown}`,
      `${see} (a domain starting with "-" goes after --)`,
    );
  }
  return new MailsecError(ErrorCode.Usage, message.replace(/\. To specify a positional.*$/s, ''), see);
}

export function formatHelp(def: CommandDef): string {
  const rows = Object.entries(def.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`;
    const dflt = o.default !== undefined && o.default !== false ? ` [default: ${o.default}]` : '';
    return [flag, o.description + dflt] as const;
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.min(34, Math.max(...rows.map(([f]) => f.length)) + 2);
  const lines = [def.summary, ''];
  if (def.description) lines.push(def.description, '');
  lines.push('USAGE', `  ${def.usage}`, '', 'OPTIONS');
  for (const [flag, text] of rows) {
    lines.push(
      flag.length + 2 > width ? `  ${flag}\n  ${' '.repeat(width)}${text}` : `  ${flag.padEnd(width)}${text}`,
    );
  }
  if (def.examples.length) lines.push('', 'EXAMPLES', ...def.examples.map((e) => `  $ ${e}`));
  if (def.exitStatus) {
    lines.push('', 'EXIT STATUS');
    for (const [code, text] of Object.entries(def.exitStatus)) lines.push(`  ${code}  ${text}`);
  }
  return `${lines.join('\n')}\n`;
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[v.length - 1] : undefined;
}
export function bool(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}
/** comma-separated and repeated values, flattened */
export function list(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  const parts = typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
  return parts
    .flatMap((p) => p.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
