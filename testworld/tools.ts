/**
 * Finding the testworld's programs. Debian puts the daemons (nsd, unbound, postfix,
 * posttls-finger) in /usr/sbin, which a user's PATH often lacks (a fresh clone run with
 * PATH=/usr/bin:/bin installed the packages, then could not start them): PATH is searched first,
 * then the sbin directories.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export const SBIN_DIRS: readonly string[] = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The absolute path of `name` (PATH, then the sbin directories), or null when it is not installed. */
export function findTool(name: string, path: string | undefined = process.env.PATH): string | null {
  if (isAbsolute(name)) return executable(name) ? name : null;
  const dirs = [...(path ?? '').split(delimiter).filter((d) => d !== ''), ...SBIN_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return null;
}

/** `findTool(name)`, or the bare name (so that spawning it fails with ENOENT: "not installed"). */
export function toolPath(name: string): string {
  return findTool(name) ?? name;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
