/**
 * A testworld mark verifying authority: a mark root (fresh key, made with openssl) and a mark
 * certificate for a BIMI domain with the BIMI EKU (1.3.6.1.5.5.7.3.31), the domain in the SANs and
 * a logotype extension (RFC 3709, 1.3.6.1.5.5.7.1.12) holding the logo as a data: URI with its SHA-256.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SVG_VALID } from './content.ts';

function openssl(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd }, (err, stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args[0]} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const ia5 = (s: string) => tlv(0x16, Buffer.from(s, 'ascii'));
const SHA256_ALG = seq(Buffer.from('0609608648016503040201', 'hex'), Buffer.from('0500', 'hex'));

/** LogotypeExtn with subjectLogo = direct LogotypeData { image: [ { details: svg+xml, sha-256, data: URI } ] } */
export function logotypeExtension(svg: string): Buffer {
  const gz = gzipSync(Buffer.from(svg));
  const uri = `data:image/svg+xml;base64,${gz.toString('base64')}`;
  const hash = createHash('sha256').update(gz).digest();
  const details = seq(ia5('image/svg+xml'), seq(seq(SHA256_ALG, tlv(0x04, hash))), seq(ia5(uri)));
  const image = seq(details);
  const logotypeData = tlv(0xa0, seq(image)); // direct [0] IMPLICIT LogotypeData: SEQUENCE OF LogotypeImage
  return seq(tlv(0xa2, logotypeData)); // subjectLogo [2] EXPLICIT LogotypeInfo
}

export interface MarkCertificate {
  readonly rootFile: string;
  readonly rootPem: string;
  /** leaf + root, as served at the BIMI a= URL */
  readonly chainPem: string;
}

/**
 * `markType`: the subject's markType attribute (1.3.6.1.4.1.53087.1.13) that every mark
 * certificate carries; null leaves it out (a certificate the check must reject).
 */
export async function createMarkCertificate(
  dir: string,
  domain: string,
  svg = SVG_VALID,
  markType: string | null = 'Registered Mark',
): Promise<MarkCertificate> {
  await mkdir(dir, { recursive: true });
  const rootKey = join(dir, 'mark-root.key.pem');
  const rootFile = join(dir, 'mark-root.pem');
  const leafKey = join(dir, 'mark-leaf.key.pem');
  await Promise.all([
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', rootKey], dir),
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', leafKey], dir),
  ]);
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      rootKey,
      '-days',
      '3650',
      '-subj',
      '/O=mailsec testworld/CN=mailsec testworld mark root',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      rootFile,
    ],
    dir,
  );
  // openssl knows markType only through an oid_section
  await writeFile(
    join(dir, 'mark-req.cnf'),
    [
      'oid_section = oids',
      '[oids]',
      'markType = 1.3.6.1.4.1.53087.1.13',
      '[req]',
      'distinguished_name = dn',
      '[dn]',
      '',
    ].join('\n'),
  );
  const subject = `/O=Testworld Brand/CN=${domain}${markType === null ? '' : `/markType=${markType}`}`;
  await openssl(
    ['req', '-config', 'mark-req.cnf', '-new', '-key', leafKey, '-subj', subject, '-out', 'mark.csr'],
    dir,
  );
  const ext = logotypeExtension(svg).toString('hex').toUpperCase();
  await writeFile(
    join(dir, 'mark.ext'),
    [
      '[mark]',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=1.3.6.1.5.5.7.3.31',
      `subjectAltName=DNS:${domain},DNS:default._bimi.${domain}`,
      `1.3.6.1.5.5.7.1.12=DER:${ext}`,
      '',
    ].join('\n'),
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'mark.csr',
      '-CA',
      rootFile,
      '-CAkey',
      rootKey,
      '-set_serial',
      '1001',
      '-days',
      '365',
      '-extfile',
      'mark.ext',
      '-extensions',
      'mark',
      '-out',
      'mark.pem',
    ],
    dir,
  );
  const rootPem = await readFile(rootFile, 'utf8');
  const leafPem = await readFile(join(dir, 'mark.pem'), 'utf8');
  return { rootFile, rootPem, chainPem: leafPem + rootPem };
}
