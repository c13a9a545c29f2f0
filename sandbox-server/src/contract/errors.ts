/** Every error the API answers with, and its HTTP status: the one place they are mapped. */
export const errorStatus = {
  invalid_json: 400,
  invalid_request: 400,
  invalid_terminal_name: 400,
  invalid_terminal_size: 400,
  invalid_name: 400,
  ambiguous_session: 400,
  unauthorized: 401,
  forbidden_origin: 403,
  no_session: 404,
  not_found: 404,
  no_such_container: 404,
  no_such_image: 404,
  port_not_published: 404,
  method_not_allowed: 405,
  unknown_host: 421,
  sandbox_starting: 409,
  payload_too_large: 413,
  upgrade_required: 426,
  too_many_sessions: 429,
  creating_too_fast: 429,
  too_many_terminals: 429,
  too_many_requests: 429,
  internal: 500,
  preview_unreachable: 502,
  preview_invalid_answer: 502,
  engine_unavailable: 503,
  sandbox_image_missing: 503,
  at_capacity: 503,
  sandbox_engine_unavailable: 503,
  sandbox_unavailable: 503,
  preview_busy: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export type ErrorBody = { error: { code: ErrorCode; message: string } };
