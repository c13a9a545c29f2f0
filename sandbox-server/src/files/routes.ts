import { Readable } from 'node:stream';
import type { ReadableStream as WebStream } from 'node:stream/web';
import { type Context, Hono } from 'hono';
import type { Config } from '../config/index.ts';
import { TERMINAL_NAME } from '../contract/terminal.ts';
import { ApiError } from '../errors/index.ts';
import { NoSuchPath, type SandboxAccess } from '../sandboxes/driver.ts';
import { FIRST_HOST } from '../sandboxes/hosts.ts';
import { type SessionEnv, session } from '../sessions/middleware.ts';
import { siteOnly } from '../sessions/origin.ts';
import type { Session } from '../sessions/session.ts';
import type { Sessions } from '../sessions/sessions.ts';

/** The most one upload may hold; the sandbox's disk allowance bounds it too (tar fails at it). */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
/** A path asked for: what a reader could type, not a buffer's worth. */
const MAX_PATH_LENGTH = 4096;

/** Sessions with a transfer under way: one at a time each, as each is a long exec in the sandbox. */
const transferring = new WeakSet<Session>();

/**
 * Files in and out of the reader's sandbox: `PUT /api/session/files` unpacks a tar archive where
 * a terminal's shell is, `GET /api/session/files?path=` packs a file or folder as one. Both as
 * the reader, through the session's own API, with the views' checks (a live, ready session; its
 * Origin for the PUT; no cross-site GET), one transfer at a time.
 */
export function fileRoutes(sessions: Sessions, driver: SandboxAccess, config: Config) {
  const ready = session(sessions, { ready: true });
  return new Hono<SessionEnv>()
    .use('/files', siteOnly(config, 'Files are uploaded', ['PUT']))
    .put('/files', ready, (c) =>
      oneAtATime(c.var.session, async () => {
        const length = Number(c.req.header('content-length') ?? Number.NaN);
        if (!Number.isInteger(length)) {
          throw new ApiError('invalid_request', 'Send the archive with its Content-Length.');
        }
        if (length > MAX_UPLOAD_BYTES) {
          throw new ApiError(
            'payload_too_large',
            `An upload may hold at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB; this one is ${(length / 1024 / 1024).toFixed(0)} MiB.`,
          );
        }
        const body = c.req.raw.body;
        if (!body) throw new ApiError('invalid_request', 'Send a tar archive as the body.');
        const archive = Readable.fromWeb(body as WebStream<Uint8Array>);
        const { session } = c.var;
        session.touch();
        const placed = await driver.putFiles(session.id, hostOf(c), terminalOf(c), archive);
        return c.json({ directory: placed.directory, bytes: length, skipped: placed.skipped });
      }),
    )
    .get('/files', ready, (c) => {
      // A download is the reader's own files: another site may not make one for them.
      if (c.req.header('sec-fetch-site') === 'cross-site') {
        throw new ApiError('forbidden_origin', 'Files are downloaded from the site itself.');
      }
      const path = c.req.query('path') ?? '';
      if (path.length === 0 || path.length > MAX_PATH_LENGTH || path.includes('\0')) {
        throw new ApiError(
          'invalid_request',
          `Give the path of a file or folder (?path=), at most ${MAX_PATH_LENGTH} characters.`,
        );
      }
      return oneAtATime(c.var.session, async (done) => {
        let archive: Readable;
        try {
          archive = await driver.getFiles(c.var.session.id, hostOf(c), terminalOf(c), path);
        } catch (error) {
          if (error instanceof NoSuchPath) {
            throw new ApiError('no_such_path', `There is nothing you can read at ${path} in your sandbox.`);
          }
          throw error;
        }
        // The transfer lasts as long as the stream, not the handler.
        done.wait(archive);
        const name = (path.replace(/\/+$/, '').split('/').pop() || 'files').replace(/[^\w.-]/g, '_');
        return c.body(Readable.toWeb(archive) as ReadableStream, 200, {
          'Content-Type': 'application/x-tar',
          'Content-Disposition': `attachment; filename="${name}.tar"`,
          'Cache-Control': 'no-store',
        });
      });
    })
    .all('/files', () => {
      throw new ApiError('method_not_allowed', 'Use PUT or GET on /api/session/files.');
    });
}

function hostOf(c: Context<SessionEnv>) {
  return c.var.session.hostNamed(c.req.query('host') ?? FIRST_HOST);
}

function terminalOf(c: Context<SessionEnv>): string {
  const name = c.req.query('terminal') ?? 'main';
  if (!TERMINAL_NAME.test(name))
    throw new ApiError('invalid_terminal_name', 'A terminal name matches ^[a-z0-9][a-z0-9-]{0,15}$.');
  return name;
}

type Done = { wait(stream: Readable): void };

/** Runs `transfer` unless the session has one under way (then 429), until it or its stream ends. */
async function oneAtATime<T>(session: Session, transfer: (done: Done) => Promise<T>): Promise<T> {
  if (transferring.has(session)) {
    throw new ApiError(
      'too_many_requests',
      'One upload or download at a time: wait for the one under way.',
      5,
    );
  }
  transferring.add(session);
  let streaming = false;
  const release = () => transferring.delete(session);
  try {
    return await transfer({
      wait(stream) {
        streaming = true;
        stream.once('close', release);
        stream.once('end', release);
        stream.once('error', release);
      },
    });
  } finally {
    if (!streaming) release();
  }
}
