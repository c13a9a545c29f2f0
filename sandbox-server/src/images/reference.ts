/**
 * Image references, by Docker's grammar: one place for the parts, read by the team catalog
 * (names Docker Hub could serve) and by the pulls a page asks for (anything `docker pull` takes).
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = `${COMPONENT}(?:/${COMPONENT})*`;
const TAG = String.raw`[\w][\w.-]{0,127}`;
const HOST = String.raw`[a-z0-9][a-z0-9.-]*(?::\d{1,5})?`;

/** It starts with a letter or digit, so it can never be read as an option. */
const REFERENCE = new RegExp(`^(?:${HOST}/)?${NAME}(?::${TAG})?(?:@sha256:[a-f0-9]{64})?$`);
const WHOLE_NAME = new RegExp(`^${NAME}$`);
const WHOLE_TAG = new RegExp(`^${TAG}$`);

/** An image reference as `docker pull` takes it: an optional registry host, a name, a tag, a digest. */
export function isImageReference(text: string): boolean {
  return text.length <= 255 && REFERENCE.test(text);
}

/** `python:3` → library/python, 3; `acme/api` → acme/api, latest; undefined when not a name Hub could serve. */
export function splitReference(reference: string): { repository: string; tag: string } | undefined {
  let ref = reference.replace(/^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  if (ref.includes('@')) return undefined;
  const colon = ref.lastIndexOf(':');
  let tag = 'latest';
  if (colon > ref.lastIndexOf('/')) {
    tag = ref.slice(colon + 1);
    ref = ref.slice(0, colon);
  }
  // A first part with a dot or a port names another registry, which the mirror does not stand for.
  const first = ref.split('/')[0] ?? '';
  if (ref.includes('/') && /[.:]/.test(first)) return undefined;
  if (!WHOLE_NAME.test(ref) || !WHOLE_TAG.test(tag)) return undefined;
  return { repository: ref.includes('/') ? ref : `library/${ref}`, tag };
}

/** A tag alone, as a team catalog's `tags` file lists them. */
export function isTag(text: string): boolean {
  return WHOLE_TAG.test(text);
}
