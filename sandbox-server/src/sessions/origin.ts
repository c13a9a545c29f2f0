/**
 * Whether a browser request's Origin may act on a session. With no origins configured, only the
 * site's own origin (same host as the request) may; a request without an Origin is refused.
 */
export function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowed: string[],
): boolean {
  if (!origin) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (allowed.length > 0) return allowed.includes(url.origin);
  return host !== undefined && url.host === host.toLowerCase();
}
