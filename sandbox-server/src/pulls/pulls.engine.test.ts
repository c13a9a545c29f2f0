import { describe, expect, it } from 'vitest';
import { sharedReadySession } from '../testing/shared-session.ts';

const shared = sharedReadySession();

async function pull(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${shared.server.url}/api/session/pulls`, {
    method: 'POST',
    headers: {
      cookie: shared.session.cookie,
      origin: shared.server.url,
      'content-type': 'application/json',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { pulling?: string[]; error?: { code: string } },
  };
}

async function imageTags(): Promise<string[]> {
  const response = await fetch(`${shared.server.url}/api/session/images`, {
    headers: { cookie: shared.session.cookie },
  });
  const { images } = (await response.json()) as { images: { tags: string[] }[] };
  return images.flatMap((image) => image.tags);
}

describe('POST /api/session/pulls', () => {
  it('pulls a page’s images into the reader’s sandbox in the background', async () => {
    const asked = await pull({ images: ['busybox', 'hello-world:latest'] });
    expect(asked).toEqual({ status: 202, body: { pulling: ['busybox', 'hello-world:latest'] } });
    const deadline = Date.now() + 60_000;
    let tags: string[] = [];
    while (Date.now() < deadline) {
      tags = await imageTags();
      if (tags.includes('busybox:latest') && tags.includes('hello-world:latest')) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(tags).toEqual(expect.arrayContaining(['busybox:latest', 'hello-world:latest']));
  });

  it('refuses bad bodies, other origins and requests without a session, with the documented codes', async () => {
    expect((await pull({ images: ['--help'] })).body.error?.code).toBe('invalid_request');
    expect((await pull({ images: [] })).status).toBe(400);
    expect((await pull('{not json')).body.error?.code).toBe('invalid_json');
    expect((await pull({ images: ['busybox'] }, { origin: 'https://elsewhere.example' })).status).toBe(403);
    expect((await pull({ images: ['busybox'] }, { cookie: '' })).body.error?.code).toBe('no_session');
    const get = await fetch(`${shared.server.url}/api/session/pulls`, {
      headers: { cookie: shared.session.cookie },
    });
    expect(get.status).toBe(405);
  });
});
