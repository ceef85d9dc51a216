/**
 * Slots: every running testworld owns a slot S (100–199) and the addresses 127.S.0.0/16.
 * A slot is taken by an atomic `mkdir` of /tmp/mailsec-testworld/slot-S; the lock holds an
 * `owner` file with `<pid> <dir>`. A lock whose owner pid is dead is stale: it is renamed away
 * (atomic, so only one claimant wins), leftover daemons of its testworld are killed, and the slot is
 * reused.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killProcessesUsing } from './process.ts';

export const SLOT_ROOT = '/tmp/mailsec-testworld';
export const SLOT_MIN = 100;
export const SLOT_MAX = 199;

export function slotLockDir(slot: number): string {
  return join(SLOT_ROOT, `slot-${slot}`);
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(lock: string): { pid: number; dir: string } | undefined {
  try {
    const text = readFileSync(join(lock, 'owner'), 'utf8').trim();
    const space = text.indexOf(' ');
    const pid = Number(space < 0 ? text : text.slice(0, space));
    return { pid, dir: space < 0 ? '' : text.slice(space + 1) };
  } catch {
    return undefined;
  }
}

/** Writes the owner of a slot (the pid whose death frees it, and the testworld's dir). */
export function setSlotOwner(slot: number, pid: number, dir: string): void {
  const lock = slotLockDir(slot);
  writeFileSync(join(lock, 'owner.tmp'), `${pid} ${dir}\n`);
  renameSync(join(lock, 'owner.tmp'), join(lock, 'owner'));
}

function tryTake(slot: number, dir: string): boolean {
  const lock = slotLockDir(slot);
  try {
    mkdirSync(lock);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const owner = readOwner(lock);
    if (owner === undefined) {
      // Being created right now (owner not yet written), or a crash between mkdir and write:
      // only reclaim when old enough.
      try {
        if (Date.now() - statSync(lock).mtimeMs < 60_000) return false;
      } catch {
        return false;
      }
    } else if (isAlive(owner.pid)) return false;
    const grave = `${lock}.stale-${process.pid}-${Date.now()}`;
    try {
      renameSync(lock, grave);
    } catch {
      return false; // someone else reclaimed it first
    }
    if (owner?.dir) killProcessesUsing(`${owner.dir}/`);
    rmSync(grave, { recursive: true, force: true });
    try {
      mkdirSync(lock);
    } catch {
      return false;
    }
  }
  setSlotOwner(slot, process.pid, dir);
  return true;
}

/** Takes a free slot (or the one asked for) and returns it. */
export function acquireSlot(dir: string, wanted?: number): number {
  mkdirSync(SLOT_ROOT, { recursive: true });
  if (wanted !== undefined) {
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > 254)
      throw new Error(`bad testworld slot ${wanted}`);
    if (!tryTake(wanted, dir)) throw new Error(`testworld slot ${wanted} is in use (${slotLockDir(wanted)})`);
    return wanted;
  }
  // Start at a pid-dependent place so concurrent starters rarely collide.
  const span = SLOT_MAX - SLOT_MIN + 1;
  const start = process.pid % span;
  for (let i = 0; i < span; i++) {
    const slot = SLOT_MIN + ((start + i) % span);
    if (tryTake(slot, dir)) return slot;
  }
  throw new Error(`no free testworld slot in ${SLOT_MIN}-${SLOT_MAX} (locks under ${SLOT_ROOT})`);
}

export function releaseSlot(slot: number): void {
  rmSync(slotLockDir(slot), { recursive: true, force: true });
}
