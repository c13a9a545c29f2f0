import { describe, expect, it } from 'vitest';
import { portsFrom } from './session-api.ts';

describe('published ports', () => {
  const page = 'http://127.0.0.1:8080/commands/';
  const web = {
    port: 5000,
    container: 'web',
    containerPort: 80,
    url: 'http://127.0.0.1:8081/preview/abc/5000/',
  };

  it('are the answer’s ports with their preview address', () => {
    expect(portsFrom({ ports: [web] }, page)).toEqual([web]);
    expect(portsFrom({ ports: [] }, page)).toEqual([]);
  });

  it('take a path as an address on the page’s own origin', () => {
    expect(portsFrom({ ports: [{ ...web, url: '/preview/abc/5000/' }] }, page)).toEqual([
      { ...web, url: 'http://127.0.0.1:8080/preview/abc/5000/' },
    ]);
  });

  it('never link anything but http(s): javascript:, data: and nonsense are left out', () => {
    const wrong = ['javascript:alert(1)', 'data:text/html,hi', 'http://[not an address', 5000];
    expect(portsFrom({ ports: wrong.map((url) => ({ ...web, url })) }, page)).toEqual([]);
  });

  it('are none when the answer is not the expected shape', () => {
    expect(portsFrom(null, page)).toEqual([]);
    expect(portsFrom({ error: { code: 'no_session', message: 'x' } }, page)).toEqual([]);
    expect(portsFrom({ ports: [null, 'x', { ...web, port: '5000' }] }, page)).toEqual([]);
  });
});
