import { readFileSync } from 'node:fs';

/** The version of this mailsec (package.json), or `unknown`. */
export function mailsecVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(
        new URL(
          import.meta.url.endsWith('.ts') ? '../../package.json' : '../../../package.json',
          import.meta.url,
        ),
        'utf8',
      ),
    ) as {
      version: string;
    };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}
