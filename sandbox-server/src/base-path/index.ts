/**
 * Serving under a base path (`BERTH_BASE_PATH`, e.g. `/docs/`, the site built with the same).
 * A request under it reaches the app as if at the root, so routes, the static files and the
 * contract stay as they are; `/healthz`, `/readyz` and `/metrics` also answer at the root, for probes.
 * Returns false for anything else, which the caller answers itself.
 */
export function toAppPath(req: { url?: string }, base: string): boolean {
  if (base === '/') return true;
  const url = req.url ?? '/';
  const prefix = base.slice(0, -1);
  if (url === prefix || url.startsWith(`${prefix}?`)) {
    req.url = `/${url.slice(prefix.length)}`;
    return true;
  }
  if (url.startsWith(base)) {
    req.url = url.slice(prefix.length);
    return true;
  }
  return /^\/(healthz|readyz|metrics)(\?|$)/.test(url);
}
