import { ApiError } from '../errors/index.ts';
import type { SandboxAccess } from '../sandboxes/driver.ts';
import type { HostName } from '../sandboxes/hosts.ts';

export type InnerAnswer = { status: number; body: unknown };

/** What the batch script prints instead of answers when the engine is not ready. */
const ENGINE_STATE = 'berth-engine: ';

/** Ends each part of a script's output: a byte (RS) JSON never holds unescaped. */
export const SEPARATOR = '\n\u001e\n';
/** The shell command that prints SEPARATOR. */
export const PRINT_SEPARATOR = "printf '\\n\\036\\n'";

/**
 * GETs on the Docker API of the daemon inside a sandbox, several in one exec. Each path is one
 * argument to curl, never shell text; the script itself is fixed. `--globoff` stops curl reading
 * brackets and braces in a path as its own patterns.
 */
const BATCH_SCRIPT =
  // Docker starts on its first use, and a view is no reader's use of it: a socket still held for
  // that start is not touched, and the engine's state is said instead.
  'state=$(/usr/local/sbin/berth-dockerd holder); ' +
  `[ "$state" = dockerd ] || { printf '${ENGINE_STATE}%s' "$state"; exit 0; }; ` +
  'for path; do ' +
  'curl -sS --globoff --max-time 5 --unix-socket /var/run/docker.sock -w "\\n%{http_code}" "http://docker$path"; ' +
  `${PRINT_SEPARATOR}; done`;

/** Asks the sandbox's own Docker engine; answers come back in the order of `paths`. */
export async function innerGet(
  driver: SandboxAccess,
  sessionId: string,
  host: HostName,
  paths: string[],
): Promise<InnerAnswer[]> {
  if (paths.length === 0) return [];
  const stdout = await driver.exec(sessionId, host, ['bash', '-c', BATCH_SCRIPT, 'berth-views', ...paths]);
  if (stdout.startsWith(ENGINE_STATE)) throw notReady(stdout.slice(ENGINE_STATE.length));
  const parts = stdout.split(SEPARATOR).slice(0, paths.length);
  if (parts.length < paths.length) throw unavailable();
  return parts.map((part) => {
    const newline = part.lastIndexOf('\n');
    const status = Number(part.slice(newline + 1));
    // curl reports 000 when it reached no daemon: the reader stopped it, or it is still starting.
    if (!Number.isInteger(status) || status === 0) throw unavailable();
    let body: unknown;
    try {
      body = JSON.parse(part.slice(0, Math.max(0, newline)));
    } catch {
      throw unavailable();
    }
    return { status, body };
  });
}

/** The body of a 200 answer; a 404 becomes `missing`, anything else says the engine misbehaved. */
export function okBody(answer: InnerAnswer | undefined, missing: () => ApiError = unreadable): unknown {
  if (answer?.status === 200) return answer.body;
  if (answer?.status === 404) throw missing();
  throw unreadable();
}

/**
 * Where the sandbox's Docker is when a view failed only because it has not started yet (it starts
 * on first use) or is starting; undefined for any other failure.
 */
export function engineNotStarted(error: unknown): 'idle' | 'starting' | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (error.code === 'sandbox_engine_idle') return 'idle';
  if (error.code === 'sandbox_engine_starting') return 'starting';
  return undefined;
}

/** The engine is not answering because it has not started yet, or is starting: not an error of the reader's. */
function notReady(state: string): ApiError {
  if (state === 'idle') {
    return new ApiError(
      'sandbox_engine_idle',
      'Docker has not started in your sandbox yet: it starts with your first command.',
    );
  }
  if (state === 'starting') {
    return new ApiError(
      'sandbox_engine_starting',
      'Docker is starting in your sandbox; ask again in a moment.',
    );
  }
  return unavailable();
}

function unavailable(): ApiError {
  return new ApiError(
    'sandbox_engine_unavailable',
    'The Docker daemon inside your sandbox is not answering; start it with `sudo systemctl start docker`.',
  );
}

/** The sandbox's daemon answered something Berth cannot read: the reader may have replaced it. */
export function unreadable(): ApiError {
  return new ApiError(
    'sandbox_engine_unavailable',
    'The Docker daemon inside your sandbox gave an answer Berth cannot read.',
  );
}
