import { ApiError } from '../errors/index.ts';

/** A container's name or id, as Docker allows them (names are at least two characters; ids are hex). */
const CONTAINER_REF = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,127}$/;

/** An image reference: repository[:tag][@digest], or an id with or without `sha256:`. */
const IMAGE_REF = /^[a-zA-Z0-9][a-zA-Z0-9_.:@/-]{0,254}$/;

/**
 * The reader types these names; they reach the sandbox's Docker API as one URL-encoded path part,
 * so a name can neither leave its place in the path nor reach a shell.
 */
export function containerPart(ref: string): string {
  if (!CONTAINER_REF.test(ref)) {
    throw new ApiError(
      'invalid_name',
      'A container is named by 2-128 letters, digits, _ . or -, starting with a letter or digit, or by its id.',
    );
  }
  return encodeURIComponent(ref);
}

export function imagePart(ref: string): string {
  if (!IMAGE_REF.test(ref) || ref.includes('..') || ref.includes('//')) {
    throw new ApiError(
      'invalid_name',
      'An image is named like nginx, nginx:latest, registry:5000/team/app:1.0, or by its id.',
    );
  }
  return encodeURIComponent(ref);
}

/** Docker's ids are 64 hex digits; views show the first 12, as the docker CLI does. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
