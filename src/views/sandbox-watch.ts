/**
 * Tells the live diagrams when the reader's sandbox is ready, when it ended, and when a command
 * ended in one of its terminals (debounced), from the dock's document events: `berth:session`
 * ({ state: 'ready' | 'ended' }) and `berth:command-end`.
 *
 * A page whose dock is not loaded yet asks the server itself, but only when this tab or another one
 * has had a sandbox: asking without a cookie is a 404, which a browser reports as an error.
 */

import { DOCK_OPENED_KEY } from '../dock/dock-opened.ts';
import { currentSession } from '../dock/session-api.ts';

export type SandboxListener = { ready(): void; ended(): void; changed(): void };

/** Ours: a sandbox was ready, in any tab, and has not been seen to end. */
const HINT_KEY = 'berth-live-views';
const DEBOUNCE_MS = 300;
const STARTING_POLL_MS = 2000;
const STARTING_POLLS = 90;

const listeners = new Set<SandboxListener>();
let live = false;
let checking: Promise<void> | undefined;
let debounce: number | undefined;

function storage(kind: 'local' | 'session'): Storage | undefined {
  try {
    return kind === 'local' ? localStorage : sessionStorage;
  } catch {
    return undefined; // storage refused: no hints, the events still work
  }
}

function becomeReady(): void {
  storage('local')?.setItem(HINT_KEY, 'ready');
  if (live) return;
  live = true;
  for (const listener of listeners) listener.ready();
}

/** The sandbox is gone (ended, deleted, expired): every view goes back to its example drawing. */
export function sandboxEnded(): void {
  storage('local')?.removeItem(HINT_KEY);
  window.clearTimeout(debounce);
  if (!live) return;
  live = false;
  for (const listener of listeners) listener.ended();
}

/** Asks the server once (at a time) whether the cookie's sandbox is ready; polls while it starts. */
function check(): Promise<void> {
  checking ??= (async () => {
    try {
      for (let poll = 0; poll < STARTING_POLLS; poll++) {
        const state = (await currentSession())?.state;
        if (state === undefined) return sandboxEnded();
        if (state === 'ready') return becomeReady();
        if (live) return; // an event said ready meanwhile
        await new Promise((resolve) => window.setTimeout(resolve, STARTING_POLL_MS));
      }
    } catch {
      // the server cannot be reached: the example drawing stays
    } finally {
      checking = undefined;
    }
  })();
  return checking;
}

let started = false;

function start(): void {
  if (started) return;
  started = true;
  document.addEventListener('berth:session', (event) => {
    const state = (event as CustomEvent<{ state?: string }>).detail?.state;
    if (state === 'ready') becomeReady();
    else if (state === 'ended') sandboxEnded();
  });
  document.addEventListener('berth:command-end', () => {
    if (!live) {
      // A command ran, so there is a sandbox: the ready event may simply have come before us.
      void check();
      return;
    }
    window.clearTimeout(debounce);
    debounce = window.setTimeout(() => {
      for (const listener of listeners) listener.changed();
    }, DEBOUNCE_MS);
  });
  if (
    storage('session')?.getItem(DOCK_OPENED_KEY) === 'open' ||
    storage('local')?.getItem(HINT_KEY) === 'ready'
  )
    void check();
}

export function watchSandbox(listener: SandboxListener): void {
  listeners.add(listener);
  start();
  if (live) listener.ready();
}
