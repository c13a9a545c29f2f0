// @ts-check
import { defineConfig } from 'astro/config';

// The built site is served by the sandbox server on the same origin as the API.
export default defineConfig({
  outDir: './dist',
});
