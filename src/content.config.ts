import { defineCollection } from 'astro:content';
import { docsSchema } from '@astrojs/starlight/schema';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';
import { MAX_HOSTS_PER_READER } from '../sandbox-server/src/config/host-limit.ts';
import { MAX_IMAGES_PER_REQUEST } from '../sandbox-server/src/contract/index.ts';
import { isImageReference } from '../sandbox-server/src/images/reference.ts';
import { PAGE_PATTERNS } from './content-pages.ts';

// The guide lives in content/ at the top of the repository, where authors find it first.
export const collections = {
  docs: defineCollection({
    loader: glob({ base: './content', pattern: PAGE_PATTERNS }),
    // `setup`: commands a page needs before its first block, for the guide runner and Run with setup;
    // `promptless`: its shell-script blocks with no prompt run line by line (src/blocks/page-blocks.ts);
    // `images`: pulled into the reader's sandbox while they read (POST /api/session/pulls).
    schema: docsSchema({
      extend: z.object({
        setup: z.array(z.string()).optional(),
        promptless: z.boolean().optional(),
        // `hosts`: how many hosts of their own the page's reader needs (node1, node2, …), asked for
        // when their sandbox is ready here (POST /api/session/hosts).
        hosts: z.number().int().min(1).max(MAX_HOSTS_PER_READER).optional(),
        images: z
          .array(z.string().refine(isImageReference, 'an image reference like python:3-slim'))
          .max(MAX_IMAGES_PER_REQUEST)
          .optional(),
      }),
    }),
  }),
};
