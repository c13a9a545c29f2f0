import {
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  STATUS_CODES,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';

/** The most an app's answer head may hold; Node's own default, said here so no flag changes it. */
export const MAX_ANSWER_HEAD_BYTES = 16 * 1024;

/**
 * The most header lines an answer may have. Node's client parser passes on only so many and drops
 * the rest without a word, so an answer that reaches this many is refused rather than cut.
 */
export const MAX_ANSWER_HEADERS = 200;

/** An answer from the reader's app that the preview cannot pass on as it is. */
export class InvalidAnswer extends Error {}

/** Whether an error from Node's HTTP client is its parser refusing what the app sent. */
export function isParseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('HPE_');
}

/**
 * The status and headers of an app's answer, checked as Node will write them again: a status
 * outside 100–599, or a header Node would refuse to send, makes the whole answer invalid rather
 * than an exception in the middle of relaying it.
 */
export function checkedAnswer(
  status: number | undefined,
  headers: OutgoingHttpHeaders,
  rawHeaders: readonly string[] = [],
): number {
  if (status === undefined || !Number.isInteger(status) || status < 100 || status > 599) {
    throw new InvalidAnswer(`status ${status ?? 'missing'}`);
  }
  // Node's own limit on a head's size is not kept for many small headers: count them here.
  if (rawHeaders.length / 2 >= MAX_ANSWER_HEADERS) throw new InvalidAnswer('too many headers');
  const headBytes = rawHeaders.reduce((sum, part) => sum + part.length + 2, 0);
  if (headBytes > MAX_ANSWER_HEAD_BYTES) throw new InvalidAnswer('headers over 16 KiB');
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    try {
      validateHeaderName(name);
      for (const one of Array.isArray(value) ? value : [value]) validateHeaderValue(name, String(one));
    } catch {
      throw new InvalidAnswer(`header ${JSON.stringify(name.slice(0, 40))}`);
    }
  }
  return status;
}

/**
 * An answer's head as bytes for a raw socket (an upgrade's answer is not a ServerResponse):
 * checked as checkedAnswer() checks, with a reason phrase only of the characters HTTP allows.
 */
export function answerHead(
  status: number,
  reason: string | undefined,
  headers: OutgoingHttpHeaders,
  rawHeaders: readonly string[] = [],
): string {
  checkedAnswer(status, headers, rawHeaders);
  const phrase =
    reason !== undefined && /^[\t\x20-\x7e]*$/.test(reason) ? reason : (STATUS_CODES[status] ?? '');
  const lines = Object.entries(headers).flatMap(([name, value]) =>
    value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((one) => `${name}: ${one}`),
  );
  return `HTTP/1.1 ${status} ${phrase}\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n`;
}

/** The two headers an upgrade's answer needs, which a plain answer must not forward. */
export function upgradeHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  return { connection: 'Upgrade', upgrade: incoming.upgrade ?? '' };
}
