import { describe, expect, it } from 'vitest';
import { COOKIE_NAME, SECURE_COOKIE_NAME, sessionCookie } from '../config/session-cookie.ts';
import { ApiError } from '../errors/index.ts';
import { cookieName, sessionToken } from './cookie.ts';

describe('the session cookie', () => {
  it('is a __Host- cookie under https at the root, and the plain one elsewhere', () => {
    expect(sessionCookie(new URL('https://docs.example.com'), '/')).toEqual({
      name: SECURE_COOKIE_NAME,
      secure: true,
    });
    expect(sessionCookie(new URL('https://example.com/docs/'), '/docs/')).toEqual({
      name: COOKIE_NAME,
      secure: true,
    });
    expect(sessionCookie(new URL('http://docs.example.com'), '/')).toEqual({
      name: COOKIE_NAME,
      secure: false,
    });
    expect(sessionCookie(undefined, '/')).toEqual({ name: COOKIE_NAME, secure: false });
  });

  it('is read as browsers send it, other cookies around it', () => {
    expect(sessionToken(`theme=dark; ${COOKIE_NAME}=abc; x=1`, COOKIE_NAME)).toBe('abc');
    expect(sessionToken(`${COOKIE_NAME}=abc`, SECURE_COOKIE_NAME)).toBeUndefined();
    expect(sessionToken(undefined, COOKIE_NAME)).toBeUndefined();
  });

  it('is refused when the request carries two, as a cookie planted for a longer path makes it', () => {
    const twice = () => sessionToken(`${COOKIE_NAME}=planted; ${COOKIE_NAME}=mine`, COOKIE_NAME);
    expect(twice).toThrow(ApiError);
    expect(twice).toThrow(/two session cookies/);
  });

  it('names are read as browsers read them', () => {
    expect(cookieName('berth_session=x; Path=/')).toBe('berth_session');
    expect(cookieName(' berth_session\t=x')).toBe('berth_session');
    expect(cookieName('=berth_session=x')).toBe('');
    expect(cookieName('berth_session')).toBe('');
  });
});
