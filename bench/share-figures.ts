/**
 * A share link's latency: the owner's keystroke → the letter on each watcher's screen, through
 * the server's fan-out of one shell to every socket attached to it (issue 19). Read beside the
 * loopback echo floor and the owner's own echo measured in the same run.
 */
import type { JoinedView, NewShareView } from '../sandbox-server/src/contract/sharing.ts';
import { createSession, endSession, sessionReady } from '../sandbox-server/src/testing/server.ts';
import { type Figure, percentile } from './figures.ts';
import { TerminalProbe } from './probe.ts';

const ms = (since: number) => performance.now() - since;

/** A watch link made by the owner whose cookie is `owner`, joined `guests` times: each guest's cookie. */
async function watchers(url: string, owner: string, guests: number) {
  const made = await fetch(`${url}/api/session/shares`, {
    method: 'POST',
    headers: { origin: url, cookie: owner, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'watch' }),
  });
  if (made.status !== 201) throw new Error(`no share link: ${made.status} ${await made.text()}`);
  const { token } = (await made.json()) as NewShareView;
  const cookies: string[] = [];
  let address = '';
  for (let guest = 0; guest < guests; guest++) {
    const joined = await fetch(`${url}/api/shared`, {
      method: 'POST',
      headers: { origin: url, 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    if (!joined.ok) throw new Error(`a guest could not join: ${joined.status} ${await joined.text()}`);
    address = ((await joined.json()) as JoinedView).address;
    const set = joined.headers.getSetCookie().find((c) => c.includes('Path=/api/shared/')) ?? '';
    cookies.push(/^[^;]+/.exec(set)?.[0] ?? '');
  }
  return { address, cookies };
}

/**
 * For each crowd of watchers: `samples` letters typed by the owner one at a time, each timed
 * from the send to its arrival on every watcher's socket (one sample per watcher and letter).
 */
export async function shareLatency(url: string, crowds: number[], samples: number): Promise<Figure[]> {
  const session = await createSession(url);
  if (session.status !== 201) throw new Error(`no session: ${JSON.stringify(session.body)}`);
  const figures: Figure[] = [];
  try {
    await sessionReady(url, session.cookie, 120_000);
    const owner = await TerminalProbe.open(url, 'main', session.cookie);
    await owner.ready();
    await owner.run('true'); // the first line starts Docker: not what a keystroke costs
    for (const crowd of crowds) {
      const { address, cookies } = await watchers(url, session.cookie, crowd);
      const guests = await Promise.all(cookies.map((cookie) => TerminalProbe.asGuest(url, address, cookie)));
      const everyone = [owner, ...guests];
      // What attaching replays (the scrollback) is not a keystroke's.
      await Promise.all(everyone.map((probe) => probe.settle(300)));
      const watched: number[] = [];
      const echoed: number[] = [];
      for (let i = 0; i < samples; i++) {
        const letter = String.fromCharCode(97 + (i % 26));
        const started = performance.now();
        owner.type(letter);
        const seen = (probe: TerminalProbe) =>
          probe.until(new RegExp(letter), 10_000).then(() => ms(started));
        const [own, ...theirs] = await Promise.all(everyone.map(seen));
        echoed.push(own as number);
        watched.push(...theirs);
        if (i % 40 === 39) {
          owner.type('\x15'); // Ctrl-U: keep the line short
          await Promise.all(everyone.map((probe) => probe.settle()));
        }
      }
      owner.type('\x15');
      await Promise.all(everyone.map((probe) => probe.settle()));
      for (const guest of guests) guest.close();
      const watchersSaid = crowd === 1 ? '1 watcher' : `${crowd} watchers`;
      figures.push(
        {
          name: `owner's keystroke → watcher's screen, ${watchersSaid}, p50`,
          value: percentile(watched, 50),
          unit: 'ms',
          note: `${samples} keys × ${crowd}; the owner's own echo meanwhile p50 ${percentile(echoed, 50).toFixed(1)} ms`,
        },
        {
          name: `owner's keystroke → watcher's screen, ${watchersSaid}, p99`,
          value: percentile(watched, 99),
          unit: 'ms',
          note: `the owner's own echo meanwhile p99 ${percentile(echoed, 99).toFixed(1)} ms`,
        },
      );
    }
    owner.close();
  } finally {
    await endSession(url, session.cookie);
  }
  return figures;
}
