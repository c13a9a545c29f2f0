import { createHash } from 'node:crypto';

/**
 * Previews live at /preview/<preview id>/<port>/. The id is derived from the session id, so it
 * survives a server restart with the session, and tells nothing of the session id or its token.
 * It only scopes the address: the session cookie is what grants access.
 */
export function previewIdFor(sessionId: string): string {
  return createHash('sha256').update(`berth-preview:${sessionId}`).digest('hex').slice(0, 20);
}

/** A preview's address by its id: the session's (previewIdFor) or a share link's address. */
export function previewUrl(previewId: string, port: number): string {
  return `/preview/${previewId}/${port}/`;
}

const PREVIEW_PATH = /^\/preview\/([0-9a-f]{20})\/([1-9][0-9]{0,4})(\/[^?#]*)?$/;

export type PreviewTarget = { previewId: string; port: number; path: string };

/** The preview id, port and the path within the previewed app; undefined for anything else. */
export function parsePreviewPath(pathname: string): PreviewTarget | undefined {
  const match = PREVIEW_PATH.exec(pathname);
  const port = Number(match?.[2]);
  if (!match || port > 65535) return undefined;
  return { previewId: match[1] ?? '', port, path: match[3] ?? '' };
}
