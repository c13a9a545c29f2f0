import { defineCollection } from 'astro:content';
import { docsSchema } from '@astrojs/starlight/schema';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';

// The guide lives in content/ at the top of the repository, where authors find it first.
export const collections = {
  docs: defineCollection({
    loader: glob({ base: './content', pattern: '**/[^_]*.{md,mdx}' }),
    // `setup`: commands a page needs before its first block, for the guide runner and Run with setup;
    // `promptless`: its shell-script blocks with no prompt run line by line (src/blocks/page-blocks.ts).
    schema: docsSchema({
      extend: z.object({ setup: z.array(z.string()).optional(), promptless: z.boolean().optional() }),
    }),
  }),
};
