/**
 * The hosts a page's reader needs (frontmatter `hosts:`), asked for as soon as the dock says a
 * sandbox is ready on this page, whether a Run here made it or the reader came with it from
 * another page. The server starts only those missing (POST /api/session/hosts with atLeast).
 */
import { sitePath } from '../links/site-path.ts';

const hosts = Number(JSON.parse(document.getElementById('berth-page-hosts')?.textContent ?? '1'));

if (Number.isInteger(hosts) && hosts > 1) {
  document.addEventListener('berth:session', (event) => {
    if ((event as CustomEvent<{ state: string }>).detail.state !== 'ready') return;
    // Nothing waits on this: a block on a host that did not come asks for it again when it runs.
    void fetch(sitePath('/api/session/hosts'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ atLeast: hosts }),
    }).catch(() => {});
  });
}
