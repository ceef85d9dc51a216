/** The generators by kind (`mailsec generate <kind>`, `mailsec check --fix`). */
import { bimiGenerator } from './bimi.ts';
import { caaGenerator } from './caa.ts';
import { dmarcGenerator } from './dmarc.ts';
import { mtaStsGenerator } from './mta-sts.ts';
import { parkedGenerator } from './parked.ts';
import { spfGenerator } from './spf.ts';
import { tlsRptGenerator } from './tls-rpt.ts';
import { tlsaGenerator } from './tlsa.ts';
import type { GenerateKind, GeneratorDef } from './types.ts';

// biome-ignore lint/suspicious/noExplicitAny: each kind has its own options type
export const GENERATORS: Readonly<Record<GenerateKind, GeneratorDef<any>>> = {
  spf: spfGenerator,
  dmarc: dmarcGenerator,
  'mta-sts': mtaStsGenerator,
  'tls-rpt': tlsRptGenerator,
  tlsa: tlsaGenerator,
  caa: caaGenerator,
  bimi: bimiGenerator,
  parked: parkedGenerator,
};

export { runGenerator } from './run.ts';
export type { GenerateKind, GenerateResult } from './types.ts';
export { GENERATE_KINDS } from './types.ts';
