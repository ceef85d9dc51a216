/**
 * Builds, signs and ARC-seals test messages with mailauth's signer and the testworld's fixed keys
 * (testworld/message/keys.ts), for the message tests and bench/message. Every message is CRLF.
 */
import { dkimSign, sealMessage } from 'mailauth';
import type { TestKey } from './keys.ts';

export interface MessageSpec {
  readonly from: string;
  readonly to?: string;
  readonly subject?: string;
  readonly body?: string;
  readonly messageId?: string;
  readonly date?: string;
  /** extra header lines ("Name: value"), placed above From */
  readonly headers?: readonly string[];
}

/** A plain RFC 5322 message. */
export function makeMessage(spec: MessageSpec): Buffer {
  const lines = [
    ...(spec.headers ?? []),
    `From: ${spec.from}`,
    `To: ${spec.to ?? 'bob@receiver.test'}`,
    `Subject: ${spec.subject ?? 'Quarterly figures'}`,
    `Date: ${spec.date ?? 'Mon, 01 Jun 2026 10:00:00 +0000'}`,
    `Message-ID: ${spec.messageId ?? '<m1@msg-sender.test>'}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    spec.body ?? 'Hello Bob,\r\n\r\nthe figures are attached.\r\n',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** Prepends header lines (top first), as a hop does. */
export function prepend(message: Buffer, ...lines: string[]): Buffer {
  return Buffer.concat([Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'utf8'), message]);
}

/** A Received field as an MTA writes it (RFC 5321 §4.4). */
export function received(opts: { helo: string; ip: string; by: string; envelopeFrom?: string }): string {
  return `Received: from ${opts.helo} (${opts.helo} [${opts.ip}])\r\n\tby ${opts.by} with ESMTPS id 4X${opts.ip.replace(/\D/g, '')}${opts.envelopeFrom ? `\r\n\t(envelope-from <${opts.envelopeFrom}>)` : ''};\r\n\tMon, 01 Jun 2026 10:00:05 +0000`;
}

/** Signs with DKIM (relaxed/relaxed unless told); returns the signed message. */
export async function sign(
  message: Buffer,
  opts: {
    domain: string;
    selector: string;
    key: TestKey;
    headerList?: string[];
    bodyLength?: number;
    canonicalization?: string;
  },
): Promise<Buffer> {
  const r = await dkimSign(message, {
    canonicalization: opts.canonicalization ?? 'relaxed/relaxed',
    signatureData: [
      {
        signingDomain: opts.domain,
        selector: opts.selector,
        privateKey: opts.key.privateKey,
        ...(opts.headerList ? { headerList: opts.headerList } : {}),
        ...(opts.bodyLength !== undefined ? { maxBodyLength: opts.bodyLength } : {}),
      },
    ],
  } as never);
  if (r.errors.length) throw new Error(`dkimSign: ${r.errors.map((e) => e.err.message).join('; ')}`);
  return Buffer.concat([Buffer.from(r.signatures, 'utf8'), message]);
}

/** Adds one ARC set (RFC 8617 §5.1) as a sealer that recorded `authResults`. */
export async function seal(
  message: Buffer,
  opts: { domain: string; selector: string; key: TestKey; authResults: string; cv: 'none' | 'pass' | 'fail' },
): Promise<Buffer> {
  const headers = await sealMessage(message, {
    signingDomain: opts.domain,
    selector: opts.selector,
    privateKey: opts.key.privateKey,
    authResults: opts.authResults,
    cv: opts.cv,
  });
  if (!headers.length) throw new Error('sealMessage produced no ARC set');
  return Buffer.concat([headers, message]);
}
