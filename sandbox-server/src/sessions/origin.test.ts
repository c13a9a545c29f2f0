import { describe, expect, it } from 'vitest';
import { isAllowedOrigin } from './origin.ts';

describe('origin check', () => {
  it('allows the same origin when none is configured', () => {
    expect(isAllowedOrigin('http://127.0.0.1:8080', '127.0.0.1:8080', [])).toBe(true);
    expect(isAllowedOrigin('https://docs.example.com', 'docs.example.com', [])).toBe(true);
  });

  it('refuses foreign, missing and malformed origins', () => {
    expect(isAllowedOrigin('http://evil.example', '127.0.0.1:8080', [])).toBe(false);
    expect(isAllowedOrigin('http://127.0.0.1:9999', '127.0.0.1:8080', [])).toBe(false);
    expect(isAllowedOrigin(undefined, '127.0.0.1:8080', [])).toBe(false);
    expect(isAllowedOrigin('null', '127.0.0.1:8080', [])).toBe(false);
    expect(isAllowedOrigin('http://127.0.0.1:8080', undefined, [])).toBe(false);
  });

  it('allows exactly the configured origins when there are some', () => {
    const allowed = ['https://docs.example.com'];
    expect(isAllowedOrigin('https://docs.example.com', 'berth.internal:8080', allowed)).toBe(true);
    expect(isAllowedOrigin('http://docs.example.com', 'docs.example.com', allowed)).toBe(false);
    expect(isAllowedOrigin('https://berth.internal:8080', 'berth.internal:8080', allowed)).toBe(false);
  });
});
