import { describe, expect, it } from 'vitest';
import { newToken, sessionIdFor } from './token.ts';

describe('session tokens', () => {
  it('are random and map to a stable 64-hex id', () => {
    const a = newToken();
    const b = newToken();
    expect(a.token).not.toBe(b.token);
    expect(a.id).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionIdFor(a.token)).toBe(a.id);
  });

  it('refuse anything that is not a token we could have issued', () => {
    for (const forged of ['', 'abc', 'x'.repeat(44), `${'a'.repeat(42)}!`, '../../etc/passwd']) {
      expect(sessionIdFor(forged)).toBeUndefined();
    }
  });
});
