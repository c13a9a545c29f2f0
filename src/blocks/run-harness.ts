/**
 * For the block runner's tests: terminal streams as bash with Berth's shell integration writes
 * them (recorded from a sandbox, prompts shortened: A and B around each prompt, C when a line
 * starts to run, D;code at its end, A;k=s before each continuation prompt), and a run with a
 * hand-turned clock.
 */
import { type BlockMeta, parseBlockMeta } from './block-meta.ts';
import { BlockRun } from './block-run.ts';

const A = '\x1b]133;A\x07';
const B = '\x1b]133;B\x07';
export const C = '\x1b]133;C\x07';
export const D = (code: number) => `\x1b]133;D;${code}\x07`;
export const PS2 = '\x1b]133;A;k=s\x07> ';
export const PROMPT = `${A}\x1b[01;32mreader@node1\x1b[00m:~$ ${B}`;

/** A run with a hand-turned clock: what it sent, and time moved on by `advance`. */
export function harness(
  commands: string[],
  meta: BlockMeta | string = {},
  timeoutMs?: number,
  inputs?: string[][],
) {
  let now = 0;
  const timers: { at: number; fire: () => void; live: boolean }[] = [];
  const sent: string[] = [];
  const run = new BlockRun(
    commands,
    typeof meta === 'string' ? parseBlockMeta(meta) : meta,
    {
      send: (text) => sent.push(text),
      setTimer: (ms, fire) => {
        const timer = { at: now + ms, fire, live: true };
        timers.push(timer);
        return () => {
          timer.live = false;
        };
      },
    },
    { timeoutMs, inputs },
  );
  let verdict: Awaited<typeof run.done> | undefined;
  void run.done.then((v) => {
    verdict = v;
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return {
    run,
    sent,
    feed: async (...chunks: string[]) => {
      for (const chunk of chunks) run.feed(chunk);
      await settle();
    },
    advance: async (ms: number) => {
      const until = now + ms;
      for (;;) {
        const next = timers.filter((t) => t.live && t.at <= until).sort((x, y) => x.at - y.at)[0];
        if (!next) break;
        now = next.at;
        next.live = false;
        next.fire();
      }
      now = until;
      await settle();
    },
    verdict: () => verdict,
  };
}
