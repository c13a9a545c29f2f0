/**
 * The images a page uses (frontmatter `images:`), pulled into the reader's sandbox while they
 * read: as soon as the dock says a sandbox is ready, on this page, whether it was made by a Run
 * here or came with the reader from another page. The server pulls each once per sandbox.
 */
import { sitePath } from '../links/site-path.ts';

const images = JSON.parse(document.getElementById('berth-page-images')?.textContent ?? '[]') as string[];

if (images.length > 0) {
  document.addEventListener('berth:session', (event) => {
    if ((event as CustomEvent<{ state: string }>).detail.state !== 'ready') return;
    // Nothing waits on this: a pull that fails shows when the reader uses the image.
    void fetch(sitePath('/api/session/pulls'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ images }),
    }).catch(() => {});
  });
}
