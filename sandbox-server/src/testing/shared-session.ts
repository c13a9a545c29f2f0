import { afterAll, beforeAll } from 'vitest';
import type { RunningServer } from '../server.ts';
import {
  type CreatedSession,
  createSession,
  removeInstance,
  sessionReady,
  startTestServer,
} from './server.ts';

export type SharedSession = { server: RunningServer & { instance: string }; session: CreatedSession };

/**
 * One real server and one ready session for a whole test file, made before its first test and
 * removed after its last: for files whose tests only read or add to one sandbox. Read its fields
 * inside tests, once beforeAll has run.
 */
export function sharedReadySession(env: Record<string, string> = {}): SharedSession {
  const shared = {} as SharedSession;
  beforeAll(async () => {
    shared.server = await startTestServer(env);
    shared.session = await createSession(shared.server.url);
    await sessionReady(shared.server.url, shared.session.cookie);
  });
  afterAll(async () => {
    await shared.server?.shutdown();
    if (shared.server) await removeInstance(shared.server.instance);
  });
  return shared;
}
