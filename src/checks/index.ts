import { bimiCheck } from './bimi/index.ts';
import { caaCheck } from './caa/index.ts';
import { didCheck } from './did/index.ts';
import { dkimCheck } from './dkim/index.ts';
import { dmarcCheck } from './dmarc/index.ts';
import { dnssecCheck } from './dnssec/index.ts';
import { mcpCheck } from './mcp/index.ts';
import { autodiscoverCheck, lyncdiscoverCheck, sipFederationCheck } from './microsoft-dns/index.ts';
import { microsoft365Check } from './microsoft365/index.ts';
import { mtaStsCheck } from './mta-sts/index.ts';
import { mxCheck } from './mx/index.ts';
import { nsCheck } from './ns/index.ts';
import { securityTxtCheck } from './security-txt/index.ts';
import { smtpCheck } from './smtp/index.ts';
import { spfCheck } from './spf/index.ts';
import { tlsRptCheck } from './tls-rpt/index.ts';
import type { CheckDefinition, CheckId } from './types.ts';

/** The registry: every check, in the order sections appear in output. */
export const CHECKS: readonly CheckDefinition[] = [
  dnssecCheck,
  nsCheck,
  caaCheck,
  mxCheck,
  smtpCheck,
  spfCheck,
  dkimCheck,
  dmarcCheck,
  bimiCheck,
  mtaStsCheck,
  tlsRptCheck,
  securityTxtCheck,
  didCheck,
  mcpCheck,
  autodiscoverCheck,
  lyncdiscoverCheck,
  sipFederationCheck,
  microsoft365Check,
] as CheckDefinition[];

export const CHECK_IDS: readonly CheckId[] = CHECKS.map((c) => c.id);

export function checkById(id: string): CheckDefinition | undefined {
  return CHECKS.find((c) => c.id === id);
}

export type { CheckDefinition, CheckId, CheckOptions, GatherContext, PriorResults } from './types.ts';
