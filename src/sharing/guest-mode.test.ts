import { describe, expect, it } from 'vitest';
import { guestLink, leaveGuestMode, shareTokenInAddress } from './guest-mode.ts';

const TOKEN = `${'A'.repeat(20)}_-${'z9'.repeat(10)}q`;

describe("a share link's token in the page's address", () => {
  it('is read from the fragment, beside other fragment fields', () => {
    expect(TOKEN).toHaveLength(43);
    expect(shareTokenInAddress(`#berth-share=${TOKEN}`)).toBe(TOKEN);
    expect(shareTokenInAddress(`#section&berth-share=${TOKEN}`)).toBe(TOKEN);
  });

  it('is nothing unless it has a token’s exact shape', () => {
    for (const hash of [
      '',
      '#',
      '#berth-share=',
      `#berth-share=${TOKEN}x`,
      `#berth-share=${TOKEN.slice(1)}`,
      `#berth-share=${TOKEN.slice(1)}%`,
      `#berth-share=${TOKEN.slice(1)}.`,
      `#other=${TOKEN}`,
    ]) {
      expect(shareTokenInAddress(hash), hash).toBeUndefined();
    }
  });
});

describe('the guest link a tab keeps', () => {
  const saved = new Map<string, string>();
  Object.assign(globalThis, {
    sessionStorage: {
      getItem: (key: string) => saved.get(key) ?? null,
      setItem: (key: string, value: string) => saved.set(key, value),
      removeItem: (key: string) => saved.delete(key),
    },
  });

  it('is read back as kept, and forgotten on leaving', () => {
    saved.set('berth-guest', JSON.stringify({ address: 'ab'.repeat(10), kind: 'drive', name: 'Ada' }));
    expect(guestLink()).toEqual({ address: 'ab'.repeat(10), kind: 'drive', name: 'Ada' });
    leaveGuestMode();
    expect(guestLink()).toBeUndefined();
  });

  it('is none when what is kept was altered: no other kind, no other path', () => {
    for (const value of [
      'not json',
      'null',
      JSON.stringify({ address: 'ab'.repeat(10), kind: 'owner' }),
      JSON.stringify({ address: '../session', kind: 'drive' }),
      JSON.stringify({ address: `${'ab'.repeat(10)}/../../session`, kind: 'watch' }),
    ]) {
      saved.set('berth-guest', value);
      expect(guestLink(), value).toBeUndefined();
    }
  });
});
