/**
 * What a page needs of the reader's sandbox, asked for as soon as the dock says a sandbox is
 * ready on this page, whether a Run here made it or it came with the reader from another page:
 * the images it uses (frontmatter `images:`), pulled while they read, each once per sandbox;
 * and the hosts it needs (`hosts:`), of which the server starts only those missing.
 */
import { sitePath } from '../links/site-path.ts';
import { guestLink } from '../sharing/guest-mode.ts';

const json = (id: string, fallback: string): unknown =>
  JSON.parse(document.getElementById(id)?.textContent ?? fallback);
const images = json('berth-page-images', '[]') as string[];
const hosts = Number(json('berth-page-hosts', '1'));

/** The asks this page makes: API path and body. */
const asks: [string, object][] = [
  ...(images.length > 0 ? [['/api/session/pulls', { images }] as [string, object]] : []),
  ...(Number.isInteger(hosts) && hosts > 1
    ? [['/api/session/hosts', { atLeast: hosts }] as [string, object]]
    : []),
];

// A guest asks nothing of a sandbox that is not theirs.
if (asks.length > 0 && !guestLink()) {
  document.addEventListener('berth:session', (event) => {
    if ((event as CustomEvent<{ state: string }>).detail.state !== 'ready') return;
    // Nothing waits on these: a pull that failed shows when the reader uses the image, and a block
    // on a host that did not come asks for it again when it runs.
    for (const [path, body] of asks) {
      void fetch(sitePath(path), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).catch(() => {});
    }
  });
}
