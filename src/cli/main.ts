#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandDef, CommandIo } from './command.ts';
import { formatHelp, parseCommandArgs } from './command.ts';
import { describeError, EXIT, EXIT_STATUS_HELP, exitStatusFor } from './exit.ts';
import { mailsecVersion } from './version.ts';

/** Commands, loaded lazily: a command's module is imported only when it runs. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandDef> }> = {
  check: {
    summary: 'audit the mail security of one or more domains',
    load: async () => (await import('./check.ts')).checkCommand,
  },
  spf: {
    summary: 'analyse SPF, or evaluate check_host for an IP',
    load: async () => (await import('./spf.ts')).spfCommand,
  },
  generate: {
    summary: 'the records to publish (spf, dmarc, mta-sts, tls-rpt, tlsa, caa, bimi, parked), checked first',
    load: async () => (await import('./generate.ts')).generateCommand,
  },
  message: {
    summary: 'verify SPF, DKIM, ARC and DMARC of a message and explain its Authentication-Results',
    load: async () => (await import('./message.ts')).messageCommand,
  },
  reports: {
    summary: 'DMARC and TLS reports: parse, import (files, IMAP), summary, sources, list, show',
    load: async () => (await import('./reports/index.ts')).reportsCommand,
  },
  scan: {
    summary: 'audit every domain of a list or zone file into a database (resumable)',
    load: async () => (await import('./scan.ts')).scanCommand,
  },
  worker: {
    summary: 'run the chunk jobs of scale-out scans (scan --queue) from Redis',
    load: async () => (await import('./worker.ts')).workerCommand,
  },
  report: {
    summary: 'TLD statistics of a stored scan (count, denominator, percent)',
    load: async () => (await import('./tld-report.ts')).reportCommand,
  },
  serve: {
    summary: 'web dashboard over scans, domains and reports, with live checks (loopback by default)',
    load: async () => (await import('./serve.ts')).serveCommand,
  },
  demo: {
    summary: 'start the bundled testworld, check a few of its domains, stop it',
    load: async () => (await import('./demo.ts')).demoCommand,
  },
  testworld: {
    summary: 'start or stop the bundled testworld (up | down | status)',
    load: async () => (await import('./testworld.ts')).testworldCommand,
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  return [
    'mailsec — the truth about a domain’s email security.',
    '',
    'USAGE',
    '  mailsec <command> [options]',
    '',
    'COMMANDS',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    '',
    'EXAMPLES',
    '  $ mailsec demo',
    '  $ mailsec check example.ch',
    '  $ mailsec check example.ch --only spf,dmarc --json --resolver 127.0.0.1:5353',
    '',
    'EXIT STATUS',
    ...Object.entries(EXIT_STATUS_HELP).map(([code, text]) => `  ${code}  ${text}`),
    '',
    'Run `mailsec help <command>` (or `mailsec <command> --help`) for a command’s options.',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [first, ...afterFirst] = argv;
  // `mailsec help <command>` is `mailsec <command> --help`
  const helpFor = first === 'help' && afterFirst[0] !== undefined ? afterFirst[0] : undefined;
  const name = helpFor ?? first;
  // (`mailsec help reports import` is `mailsec reports import --help`)
  const rest = helpFor !== undefined ? [...afterFirst.slice(1), '--help'] : afterFirst;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(mainHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`mailsec ${mailsecVersion()}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(
      `mailsec: unknown command "${name}".\n  commands: ${Object.keys(COMMANDS).join(', ')}; see mailsec --help\n`,
    );
    return EXIT.usage;
  }
  try {
    let def = await entry.load();
    let argv = rest;
    const sub = argv[0] !== undefined ? def.subcommands?.[argv[0]] : undefined;
    if (sub) {
      def = sub;
      argv = argv.slice(1);
    } else if (def.subcommands && !def.ownPositionals && argv[0] !== undefined && !argv[0].startsWith('-')) {
      // an unknown subcommand: say so before its options are judged
      return await def.run({ values: {}, positionals: [argv[0]] }, io);
    }
    const args = parseCommandArgs(def, argv);
    if (args.values.help === true) {
      io.stdout.write(def.help ? def.help(args) : formatHelp(def));
      return EXIT.ok;
    }
    return await def.run(args, io);
  } catch (e) {
    io.stderr.write(describeError(e));
    return exitStatusFor(e);
  }
}

/** true when this file is the program (also through npm's bin symlink), false when imported */
function isEntryPoint(): boolean {
  const argv1 = process.argv[1];
  if (argv1 === undefined) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
const isEntry = isEntryPoint();
if (isEntry) {
  const io: CommandIo = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(describeError(e));
      process.exitCode = EXIT.cannotRun;
    },
  );
}
