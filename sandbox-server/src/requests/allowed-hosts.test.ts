import { describe, expect, it } from 'vitest';
import { isAllowedHost } from './allowed-hosts.ts';

describe('the hosts the server answers to', () => {
  it('always IP addresses and loopback names, with or without a port', () => {
    for (const host of [
      '127.0.0.1:8080',
      '10.0.0.5',
      '[::1]:8080',
      '[2001:db8::1]',
      'localhost:8080',
      'app.localhost',
      'LOCALHOST',
    ]) {
      expect(isAllowedHost(host, []), host).toBe(true);
    }
  });

  it('a name only when allowed, a wildcard covering the names under it', () => {
    expect(isAllowedHost('docs.example.com', [])).toBe(false);
    expect(isAllowedHost('docs.example.com:443', ['docs.example.com'])).toBe(true);
    expect(isAllowedHost('Docs.Example.com.', ['docs.example.com'])).toBe(true);
    expect(isAllowedHost('a.example.com', ['*.example.com'])).toBe(true);
    expect(isAllowedHost('example.com', ['*.example.com'])).toBe(false);
    expect(isAllowedHost('evilexample.com', ['*.example.com'])).toBe(false);
  });

  it('never a rebinding name, a missing Host or one that is not a host', () => {
    expect(isAllowedHost('rebind.attacker.example:8080', ['docs.example.com'])).toBe(false);
    expect(isAllowedHost('localhost.attacker.example', [])).toBe(false);
    expect(isAllowedHost(undefined, [])).toBe(false);
    for (const host of ['', ':8080', 'a b', 'x:y:z', '[::1', 'docs.example.com:99999999']) {
      expect(isAllowedHost(host, ['docs.example.com']), host).toBe(false);
    }
  });
});
