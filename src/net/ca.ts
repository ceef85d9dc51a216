import { readFileSync } from 'node:fs';
import { getCACertificates } from 'node:tls';
import { ErrorCode, MailsecError } from '../core/errors.ts';

/** The PEM text of --ca-file, or a clear input error naming the file and the reason. */
export function readCaFile(caFile: string): string {
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (e) {
    throw new MailsecError(
      ErrorCode.InputUnreadable,
      `--ca-file ${caFile}: ${(e as Error).message}`,
      'give a PEM file of CA certificates',
      { cause: e },
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new MailsecError(
      ErrorCode.InputUnreadable,
      `--ca-file ${caFile} holds no PEM certificate`,
      'give a PEM file of CA certificates',
    );
  }
  return pem;
}

/**
 * The trust store for SMTP and HTTPS: Node's default store (which already holds
 * NODE_EXTRA_CA_CERTS) plus --ca-file; undefined (Node's default) without --ca-file.
 */
export function trustStore(caFile: string | undefined): string[] | undefined {
  return caFile ? [...getCACertificates('default'), readCaFile(caFile)] : undefined;
}
