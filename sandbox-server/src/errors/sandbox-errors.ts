import { SandboxError, type SandboxErrorKind } from '../sandboxes/driver.ts';
import { ApiError } from './index.ts';

/** What a reader is told when the driver could not do what they asked: the one place it is worded. */
const answers: Record<SandboxErrorKind, (error: SandboxError) => ApiError> = {
  engine_unavailable: () =>
    new ApiError('engine_unavailable', 'The Docker engine is not answering; try again in a minute.', 30),
  // Its message names the image and the fix, for the operator reading the page.
  image_missing: (error) => new ApiError('sandbox_image_missing', error.message),
  no_room: () => new ApiError('at_capacity', 'Every sandbox network is taken; try again in a minute.', 60),
  // The reader's own files: what the sandbox said is theirs to read.
  refused: (error) => new ApiError('files_refused', `The sandbox refused the files: ${error.message}`),
  unresponsive: () =>
    new ApiError('sandbox_unavailable', 'Your sandbox did not answer in time; try again in a moment.'),
};

/** The API's answer to an error: its own, or the reader's words for a driver's; undefined for a bug. */
export function apiErrorOf(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof SandboxError) return answers[error.kind](error);
  return undefined;
}
