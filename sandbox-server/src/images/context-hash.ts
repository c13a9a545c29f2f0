import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * A content hash of a whole build context: every entry's path, type, permission bits and
 * content. Entries are visited in a fixed order, so the same tree gives the same hash on any
 * machine, and any change to the tree gives a new one.
 */
export async function hashBuildContext(dir: string, extra: readonly string[] = []): Promise<string> {
  const hash = createHash('sha256');
  for (const item of extra) hash.update(`extra ${item}\0`);
  for (const rel of await listTree(dir)) {
    const full = path.join(dir, rel);
    const stat = await lstat(full);
    const mode = (stat.mode & 0o7777).toString(8);
    if (stat.isDirectory()) {
      hash.update(`dir ${mode} ${rel}\0`);
    } else if (stat.isSymbolicLink()) {
      hash.update(`link ${rel}\0${await readlink(full)}\0`);
    } else {
      const content = await readFile(full);
      hash.update(`file ${mode} ${rel} ${content.length}\0`);
      hash.update(content);
    }
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Relative POSIX paths of everything under dir, sorted by code unit (not locale). */
async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map((rel) => rel.split(path.sep).join('/')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
