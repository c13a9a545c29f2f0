import { describe, expect, it } from 'vitest';
import { fakeServer, SITE } from '../testing/fake-server.ts';
import { MAX_UPLOAD_BYTES } from './routes.ts';

const ARCHIVE = Buffer.concat([Buffer.from('app/Dockerfile'), Buffer.alloc(1024 - 14)]);

async function withSession() {
  const server = await fakeServer();
  const { cookie } = await server.createSession();
  const put = (body: Buffer, headers: Record<string, string> = {}, origin?: string | null) =>
    server.request('PUT', '/api/session/files?terminal=main', {
      cookie,
      body: new Uint8Array(body),
      origin,
      headers: { 'content-type': 'application/x-tar', 'content-length': String(body.length), ...headers },
    });
  const get = (path: string, headers: Record<string, string> = {}) =>
    server.request('GET', `/api/session/files?path=${encodeURIComponent(path)}`, { cookie, headers });
  return { server, cookie, put, get };
}

describe('files in and out of the sandbox', () => {
  it('unpacks an upload where the shell is, and gives a folder back as a tar', async () => {
    const { server, put, get } = await withSession();
    const placed = await put(ARCHIVE);
    expect(placed.status).toBe(200);
    expect(await placed.json()).toEqual({ directory: '/home/reader', bytes: ARCHIVE.length, skipped: [] });
    const id = [...server.driver.uploads.keys()][0] ?? '';
    expect(server.driver.uploads.get(id)?.[0]?.equals(ARCHIVE)).toBe(true);
    const back = await get('app');
    expect(back.status).toBe(200);
    expect(back.headers.get('content-type')).toBe('application/x-tar');
    expect(back.headers.get('content-disposition')).toBe('attachment; filename="app.tar"');
    expect(Buffer.from(await back.arrayBuffer()).equals(ARCHIVE)).toBe(true);
  });

  it('refuses an upload from another origin, without a length, or over the limit, before reading it', async () => {
    const { server, put } = await withSession();
    expect((await put(ARCHIVE, {}, 'https://evil.example')).status).toBe(403);
    const unsized = await put(ARCHIVE, { 'content-length': 'lots' });
    expect(unsized.status).toBe(400);
    const huge = await put(ARCHIVE, { 'content-length': String(MAX_UPLOAD_BYTES + 1) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(server.driver.uploads.size).toBe(0);
  });

  it('says what is missing, refuses odd paths and cross-site downloads, and needs a session', async () => {
    const { server, put, get } = await withSession();
    await put(ARCHIVE);
    const missing = await get('missing');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'no_such_path' } });
    expect((await get('')).status).toBe(400);
    expect((await get('a\0b')).status).toBe(400);
    expect((await get('x'.repeat(5000))).status).toBe(400);
    expect((await get('app', { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await server.request('GET', '/api/session/files?path=app')).status).toBe(404);
    expect((await server.request('DELETE', '/api/session/files', { origin: SITE })).status).toBe(405);
  });
});

describe("tar's complaints", () => {
  it('tell members skipped for leaving the directory from real failures', async () => {
    const { tarComplaints } = await import('../sandboxes/docker/files.ts');
    expect(
      tarComplaints(
        "tar: Removing leading `../' from member names\ntar: ../x: Member name contains '..'\ntar: Exiting with failure status due to previous errors\n",
      ),
    ).toEqual({ skipped: ['../x'], otherErrors: [] });
    expect(
      tarComplaints('tar: This does not look like a tar archive\ntar: Exiting with failure status'),
    ).toEqual({
      skipped: [],
      otherErrors: ['This does not look like a tar archive'],
    });
  });
});
