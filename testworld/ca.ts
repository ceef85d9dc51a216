/**
 * The testworld CA, made with the `openssl` CLI at start-up: a root, an intermediate, and leaf
 * certificates per host (issued by the intermediate, or self-signed, expired, wrong-named).
 * Root and intermediate keys and the DANE hosts' keys are fixed (testworld/smtp/keys/) so that
 * TLSA records in scenarios are static; the certificates are fresh each time.
 *
 *   const ca = await createTestCa(dir);
 *   ca.rootFile                      // PEM for NODE_EXTRA_CA_CERTS / --ca-file
 *   const leaf = await ca.issue('mx.example.test', { sans: ['mx.example.test'] });
 *   leaf.chainFile, leaf.keyFile
 */
import { execFile } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KEY_DIR = fileURLToPath(new URL('./smtp/keys/', import.meta.url));

/** A fixed key of testworld/smtp/keys/ by name (root, intermediate, dane-ee, …). */
export function fixedKeyFile(name: string): string {
  return join(KEY_DIR, `${name}.key.pem`);
}

/** SHA-256 of the SubjectPublicKeyInfo of a fixed key (hex): TLSA `x 1 1` data. */
export function fixedSpkiSha256(name: string): string {
  const der = createPublicKey(readFileSync(fixedKeyFile(name))).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

export interface IssueOptions {
  /** DNS subjectAltNames (default: the common name) */
  readonly sans?: readonly string[];
  /** IP address subjectAltNames (a server reached by its address, e.g. a loopback Redis) */
  readonly ips?: readonly string[];
  /** a fixed key by name (testworld/smtp/keys/<name>.key.pem); default: a fresh P-256 key */
  readonly key?: string;
  /** notAfter before now */
  readonly expired?: boolean;
  /** self-signed instead of issued by the intermediate */
  readonly selfSigned?: boolean;
  /** the subject in openssl's -subj form (default `/CN=<common name>`); self-signed: also the issuer */
  readonly subject?: string;
}

export interface IssuedCert {
  readonly keyFile: string;
  readonly certFile: string;
  /** leaf + intermediate (leaf only when self-signed) */
  readonly chainFile: string;
  readonly keyPem: string;
  readonly chainPem: string;
}

export interface TestCa {
  readonly dir: string;
  /** the root certificate (PEM file): NODE_EXTRA_CA_CERTS or --ca-file */
  readonly rootFile: string;
  readonly rootPem: string;
  readonly intermediatePem: string;
  issue(commonName: string, options?: IssueOptions): Promise<IssuedCert>;
}

function openssl(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd }, (err, stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args[0]} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

export async function createTestCa(dir: string): Promise<TestCa> {
  await mkdir(dir, { recursive: true });
  const rootFile = join(dir, 'root.pem');
  const intFile = join(dir, 'intermediate.pem');
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      fixedKeyFile('root'),
      '-days',
      '3650',
      '-subj',
      '/O=mailsec testworld/CN=mailsec testworld root',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      rootFile,
    ],
    dir,
  );
  await writeFile(
    join(dir, 'ca.ext'),
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  await openssl(
    [
      'req',
      '-new',
      '-key',
      fixedKeyFile('intermediate'),
      '-subj',
      '/O=mailsec testworld/CN=mailsec testworld intermediate',
      '-out',
      join(dir, 'intermediate.csr'),
    ],
    dir,
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'intermediate.csr',
      '-CA',
      rootFile,
      '-CAkey',
      fixedKeyFile('root'),
      '-set_serial',
      '2',
      '-days',
      '3650',
      '-extfile',
      'ca.ext',
      '-out',
      intFile,
    ],
    dir,
  );
  const rootPem = await readFile(rootFile, 'utf8');
  const intermediatePem = await readFile(intFile, 'utf8');
  let serial = 100;
  const leafCnf = join(dir, 'leaf.cnf');
  await writeFile(
    leafCnf,
    '[req]\ndistinguished_name = dn\n[dn]\n[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  // one fresh key shared by the leaves that need no fixed one (key generation is the slow part)
  let sharedKey: Promise<string> | undefined;
  const freshKey = () => {
    sharedKey ??= (async () => {
      const f = join(dir, 'leaf.key.pem');
      await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f], dir);
      return f;
    })();
    return sharedKey;
  };
  return {
    dir,
    rootFile,
    rootPem,
    intermediatePem,
    async issue(cn, o = {}) {
      // the serial keeps files apart when two hosts get certificates for the same name
      const n = serial++;
      const base = join(dir, `${n}-${cn.replace(/[^a-z0-9.-]/gi, '_')}`);
      const keyFile = o.key ? fixedKeyFile(o.key) : await freshKey();
      const sans = [...(o.sans ?? [cn]).map((s) => `DNS:${s}`), ...(o.ips ?? []).map((a) => `IP:${a}`)].join(
        ',',
      );
      const certFile = `${base}.crt.pem`;
      const common = [
        '-config',
        leafCnf,
        '-key',
        keyFile,
        '-subj',
        o.subject ?? `/CN=${cn}`,
        '-addext',
        `subjectAltName=${sans}`,
      ];
      const set = ['-set_serial', String(n)];
      if (o.selfSigned) {
        await openssl(['req', '-new', '-x509', ...common, ...set, '-days', '825', '-out', certFile], dir);
      } else if (!o.expired) {
        await openssl(
          [
            'req',
            '-new',
            '-x509',
            ...common,
            '-extensions',
            'leaf',
            '-CA',
            intFile,
            '-CAkey',
            fixedKeyFile('intermediate'),
            ...set,
            '-days',
            '825',
            '-out',
            certFile,
          ],
          dir,
        );
      } else {
        // `req` refuses a negative validity: make a request, then sign it with notAfter < now
        await openssl(['req', '-new', ...common, '-out', `${base}.csr`], dir);
        await writeFile(
          `${base}.ext`,
          `[leaf]\nbasicConstraints=critical,CA:FALSE\nsubjectAltName=${sans}\n`,
        );
        await openssl(
          [
            'x509',
            '-req',
            '-in',
            `${base}.csr`,
            '-CA',
            intFile,
            '-CAkey',
            fixedKeyFile('intermediate'),
            ...set,
            '-days',
            '-1',
            '-extfile',
            `${base}.ext`,
            '-extensions',
            'leaf',
            '-out',
            certFile,
          ],
          dir,
        );
      }
      const leafPem = await readFile(certFile, 'utf8');
      const chainPem = o.selfSigned ? leafPem : leafPem + intermediatePem;
      const chainFile = `${base}.chain.pem`;
      await writeFile(chainFile, chainPem);
      return { keyFile, certFile, chainFile, keyPem: await readFile(keyFile, 'utf8'), chainPem };
    },
  };
}
