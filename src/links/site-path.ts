/**
 * A path of the site or its API, under the base path the site was built for (`BERTH_BASE_PATH`,
 * Astro's `base`): `sitePath('/api/session')` is `/docs/api/session` on a site served at `/docs/`.
 */
export function sitePath(path: string, base: string = import.meta.env.BASE_URL): string {
  return `${base.replace(/\/$/, '')}${path}`;
}
