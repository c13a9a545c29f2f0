import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.ts';
import { type CreatedSession, createSession, removeInstance, startTestServer } from '../testing/server.ts';
import { TerminalClient } from '../testing/terminal-client.ts';

let server: RunningServer & { instance: string };
let session: CreatedSession;
let shell: TerminalClient;

beforeAll(async () => {
  server = await startTestServer();
  session = await createSession(server.url);
  if (session.status !== 201) throw new Error(`no session: ${JSON.stringify(session.body)}`);
  shell = await TerminalClient.open(server.url, 'main', { cookie: session.cookie });
  await shell.ready();
});

afterAll(async () => {
  shell?.ws.terminate();
  await server.shutdown();
  await removeInstance(server.instance);
});

/** A tar archive of `entries`: a name and its text, or a folder when the text is undefined. */
function archiveOf(entries: [string, string | undefined][]): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, text] of entries) {
    if (text === undefined) pack.entry({ name, type: 'directory', mode: 0o755 });
    else pack.entry({ name, mode: 0o644 }, text);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    pack.on('data', (chunk: Buffer) => chunks.push(chunk));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
}

function upload(archive: Buffer, query = '') {
  return fetch(`${server.url}/api/session/files?terminal=main${query}`, {
    method: 'PUT',
    headers: { cookie: session.cookie, origin: server.url, 'content-type': 'application/x-tar' },
    body: new Uint8Array(archive),
  });
}

/** The names and texts of a tar archive's files. */
async function entriesOf(archive: Buffer): Promise<Record<string, string | null>> {
  const extract = tar.extract();
  const found: Record<string, string | null> = {};
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      found[header.name] = header.type === 'directory' ? null : Buffer.concat(chunks).toString('utf8');
      next();
    });
  });
  const done = new Promise((resolve) => extract.on('finish', resolve));
  extract.end(archive);
  await done;
  return found;
}

describe('files in and out of a real sandbox', () => {
  it("lands an upload where the reader's shell is, as the reader, and nothing outside it", async () => {
    expect((await shell.run('mkdir -p ~/work && cd ~/work')).code).toBe(0);
    const archive = await archiveOf([
      ['app/', undefined],
      ['app/Dockerfile', 'FROM busybox\nCMD ["echo", "built-from-an-upload"]\n'],
      ['app/notes ü.txt', 'ünïcode name\n'],
      ['../escaped.txt', 'should not leave'],
      ['/tmp/absolute.txt', 'should land under work, not /tmp'],
    ]);
    const placed = await upload(archive);
    expect(placed.status, await placed.clone().text()).toBe(200);
    expect(await placed.json()).toEqual({
      directory: '/home/reader/work',
      bytes: archive.length,
      skipped: ['../escaped.txt'],
    });
    const listed = await shell.run('stat -c "%U %n" app/Dockerfile "app/notes ü.txt"; cat app/Dockerfile');
    expect(listed.output).toContain('reader app/Dockerfile');
    expect(listed.output).toContain('reader app/notes ü.txt');
    expect(listed.output).toContain('built-from-an-upload');
    // Out of the directory: refused by tar, not written anywhere the reader would not expect.
    expect((await shell.run('test ! -e ~/escaped.txt && test ! -e /tmp/absolute.txt')).code).toBe(0);
    // What arrived is theirs to build with.
    const built = await shell.run(
      'docker build -q -t uploaded app >/dev/null && docker run --rm uploaded',
      120_000,
    );
    expect(built.output).toContain('built-from-an-upload');
  });

  it('gives a folder back as a tar of its last part, and a file as one', async () => {
    const folder = await fetch(`${server.url}/api/session/files?path=app`, {
      headers: { cookie: session.cookie },
    });
    expect(folder.status).toBe(200);
    expect(folder.headers.get('content-disposition')).toBe('attachment; filename="app.tar"');
    const entries = await entriesOf(Buffer.from(await folder.arrayBuffer()));
    expect(entries['app/Dockerfile']).toContain('built-from-an-upload');
    expect(entries['app/notes ü.txt']).toBe('ünïcode name\n');
    const file = await fetch(
      `${server.url}/api/session/files?path=${encodeURIComponent('/home/reader/work/app/Dockerfile')}`,
      {
        headers: { cookie: session.cookie },
      },
    );
    expect(Object.keys(await entriesOf(Buffer.from(await file.arrayBuffer())))).toEqual(['Dockerfile']);
  });

  it('says what is missing or not the reader’s to read, and that a broken archive was refused', async () => {
    for (const path of ['no-such-thing', '/root', '/etc/shadow']) {
      const answer = await fetch(`${server.url}/api/session/files?path=${encodeURIComponent(path)}`, {
        headers: { cookie: session.cookie },
      });
      expect(answer.status, path).toBe(404);
      expect(await answer.json()).toMatchObject({ error: { code: 'no_such_path' } });
    }
    const broken = await upload(Buffer.from('this is not a tar archive at all'.repeat(40)));
    expect(broken.status).toBe(422);
    expect(await broken.json()).toMatchObject({ error: { code: 'files_refused' } });
    // The shell is as it was.
    expect((await shell.run('echo still-$((6*7))')).output).toContain('still-42');
  });
});
