import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** `script` with setup.sh's step functions, not on a terminal; what it said, and its log. */
async function steps(script: string) {
  const log = join(mkdtempSync(join(tmpdir(), 'berth-steps-')), 'setup.log');
  const result = await run('bash', ['-c', `set -euo pipefail; . scripts/setup-steps.sh; ${script}`], {
    cwd: REPO,
    env: { ...process.env, BERTH_SETUP_LOG: log },
  }).catch((error: { stderr: string; code: number }) => ({ stderr: error.stderr, code: error.code }));
  return { said: result.stderr, code: 'code' in result ? result.code : 0, log: readFileSync(log, 'utf8') };
}

describe("the set-up's steps", () => {
  it('say one line each with the time, their results below, and keep the rest in the log', async () => {
    const { said, code, log } = await steps(
      "step 'images ready' sh -c 'echo noise of a build >&2; echo sandbox built'; step --quiet 'site built' sh -c 'echo 2000 lines of astro'",
    );
    expect(code).toBe(0);
    expect(said).toMatch(
      /^berth: images ready \(\d+ s\)\nberth: {3}sandbox built\nberth: site built \(\d+ s\)\n$/,
    );
    expect(log).toContain('noise of a build');
    expect(log).toContain('2000 lines of astro');
  });

  it('on failure show the end of the output and name the log, and stop there', async () => {
    const { said, code, log } = await steps(
      "step 'npm dependencies installed' sh -c 'for i in $(seq 40); do echo line $i >&2; done; exit 3'; echo never",
    );
    expect(code).toBe(1);
    expect(said).toMatch(
      /^berth: npm dependencies installed failed after \d+ s \(exit 3\); the end of its output:\n/,
    );
    expect(said).toContain('  | line 40');
    expect(said).not.toContain('  | line 10\n');
    expect(said).toMatch(/berth: the whole set-up output is in \S+setup\.log\n$/);
    expect(said).not.toContain('never');
    expect(log).toContain('line 1\n');
  });
});
