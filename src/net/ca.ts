import { readFileSync } from 'node:fs';
import { getCACertificates } from 'node:tls';
import { ErrorCode, MailsecError } from '../core/errors.ts';

/**
 * The PEM text of the extra CA file (`caFile`), or a clear input error naming the file and the
 * reason (detail `{ option: 'caFile', path, reason }`, which the CLI phrases with its flag).
 */
export function readCaFile(caFile: string): string {
  const fail = (reason: string, cause?: unknown) =>
    new MailsecError(
      ErrorCode.InputUnreadable,
      `CA file ${caFile}: ${reason}`,
      'give a PEM file of CA certificates',
      {
        ...(cause ? { cause } : {}),
        detail: { option: 'caFile', path: caFile, reason },
      },
    );
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (e) {
    throw fail((e as Error).message, e);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw fail('holds no PEM certificate');
  return pem;
}

/**
 * The trust store for SMTP and HTTPS: Node's default store (which already holds
 * NODE_EXTRA_CA_CERTS) plus the extra CA file; undefined (Node's default) without one.
 */
export function trustStore(caFile: string | undefined): string[] | undefined {
  return caFile ? [...getCACertificates('default'), readCaFile(caFile)] : undefined;
}
