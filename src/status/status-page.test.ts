import { describe, expect, it } from 'vitest';
import { statusLines } from './status-page.ts';

describe('the status page’s words', () => {
  it('says ready, preparing with its step, failed with when, or no answer', () => {
    expect(statusLines({ status: 'ready', checks: { image: 'ok' } })).toEqual({
      summary: 'Ready: sandboxes start now.',
    });
    const preparing = statusLines({
      status: 'not_ready',
      preparation: { state: 'preparing', step: 2, of: 6, doing: ['the sandbox image', 'the catalog images'] },
    });
    expect(preparing.summary).toMatch(/^Sandboxes are being prepared/);
    expect(preparing.step).toBe('Step 2 of 6: the sandbox image, the catalog images.');
    const failed = statusLines({
      status: 'not_ready',
      preparation: {
        state: 'failed',
        step: 1,
        of: 6,
        doing: [],
        error: 'apt: 503',
        retryAt: new Date().toISOString(),
      },
    });
    expect(failed.summary).toMatch(/^Preparing sandboxes failed: apt: 503\. It tries again at /);
    expect(statusLines(undefined).summary).toBe('The server does not answer.');
    expect(statusLines({ status: 'not_ready', checks: { image: 'failing' } }).summary).toMatch(/^Not ready/);
  });
});
