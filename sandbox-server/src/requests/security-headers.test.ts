import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inlineScriptHashes, siteHeaders } from './security-headers.ts';

const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe("the site's security headers", () => {
  it('allow exactly the inline scripts the site was built with', () => {
    const site = mkdtempSync(join(tmpdir(), 'berth-site-'));
    mkdirSync(join(site, 'guide'));
    writeFileSync(
      join(site, 'index.html'),
      '<script>theme()</script><script type="module" src="/a.js"></script>',
    );
    writeFileSync(
      join(site, 'guide', 'index.html'),
      '<script type="module">boot()</script><script type="application/json" id="x">{"a":1}</script><script>theme()</script>',
    );
    expect(inlineScriptHashes(site)).toEqual([sha('boot()'), sha('theme()')].sort());
    const csp = siteHeaders(site, false)['content-security-policy'];
    expect(csp).toContain(`script-src 'self' 'wasm-unsafe-eval' `);
    expect(csp).toContain(sha('theme()'));
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('say HSTS only under https', () => {
    expect(siteHeaders('/nonexistent', false)).not.toHaveProperty('strict-transport-security');
    expect(siteHeaders('/nonexistent', true)).toHaveProperty('strict-transport-security');
  });
});
