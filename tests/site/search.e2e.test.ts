import { describe, expect, it } from 'vitest';
import { goto, guidePaths, recordErrors, useSite } from './browser.ts';

const site = useSite();

type Fragment = { url: string; content: string };

describe("the site's search", () => {
  it("finds the guide's words from the search box, and opens the page", async () => {
    const page = await (await site.browser.newContext({ baseURL: site.server.url })).newPage();
    const errors = recordErrors(page);
    await goto(page, '/');
    await page.getByRole('button', { name: /^Search/ }).click();
    // A word only the Volumes page has (twice): its page must come up and open.
    await page.locator('.pagefind-ui__search-input').fill('relabel');
    const first = page.locator('.pagefind-ui__result-link').first();
    await first.waitFor({ timeout: 15_000 });
    await first.click();
    await page.waitForURL(/\/volumes\//);
    expect(errors).toEqual([]);
  });

  it("indexes what the pages say, never the blocks' buttons", async () => {
    const page = await (await site.browser.newContext({ baseURL: site.server.url })).newPage();
    await goto(page, '/');
    // A string, not a function: the test runner would rewrite a function's import() for Node.
    const fragments = (await page.evaluate(`(async () => {
      const pagefind = await import(location.origin + '/pagefind/pagefind.js');
      await pagefind.init();
      // Every page, as the index holds it: the words a reader's search is matched against.
      const all = await pagefind.search(null, { filters: {} });
      return Promise.all(all.results.map(async (result) => {
        const { url, content } = await result.data();
        return { url, content };
      }));
    })()`)) as Fragment[];
    expect(fragments.length).toBe(guidePaths().length);
    for (const { url, content } of fragments) {
      expect(content, url).not.toMatch(/Run with setup|Not runnable here/);
      expect(content, url).not.toMatch(/\bRun Run with setup Copy\b|\bCopy\s*$/);
    }
    // The guide's own words are there.
    expect(fragments.some(({ content }) => content.includes('docker run'))).toBe(true);
  });
});
