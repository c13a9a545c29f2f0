import { describe, expect, it } from 'vitest';
import { parsePreviewPath, previewIdFor, previewUrl } from './preview-path.ts';

const session = 'c'.repeat(64);

describe('preview addresses', () => {
  it('are scoped to the session without revealing its id', () => {
    const id = previewIdFor(session);
    expect(id).toMatch(/^[0-9a-f]{20}$/);
    expect(session).not.toContain(id);
    expect(previewIdFor('d'.repeat(64))).not.toBe(id);
    expect(previewUrl(id, 5000)).toBe(`/preview/${id}/5000/`);
  });

  it('parse into id, port and the path within the app', () => {
    const id = previewIdFor(session);
    expect(parsePreviewPath(`/preview/${id}/5000/a/b.css`)).toEqual({
      previewId: id,
      port: 5000,
      path: '/a/b.css',
    });
    expect(parsePreviewPath(`/preview/${id}/5000`)).toEqual({ previewId: id, port: 5000, path: '' });
    for (const bad of [
      `/preview/${id}/0/`,
      `/preview/${id}/65536/`,
      `/preview/${id}/05000/`,
      '/preview/xyz/5000/',
      '/previews/',
    ]) {
      expect(parsePreviewPath(bad), bad).toBeUndefined();
    }
  });
});
