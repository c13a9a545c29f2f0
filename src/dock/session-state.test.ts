import { describe, expect, it } from 'vitest';
import {
  ENDED_TEXT,
  endedMessage,
  failureNotice,
  initialSession,
  readiness,
  restartsOnRun,
  type Session,
  type SessionEvent,
  startingText,
  statusText,
  type Transition,
  transition,
} from './session-state.ts';

/** The transitions a list of events makes, from a dock that was just opened. */
function play(...events: SessionEvent[]): Transition[] {
  let session: Session = initialSession();
  return events.map((event) => {
    const next = transition(session, event);
    session = next.session;
    return next;
  });
}

const last = (transitions: Transition[]): Transition => {
  const found = transitions.at(-1);
  if (!found) throw new Error('no transition');
  return found;
};

describe('the dock’s session', () => {
  it('starts, lets terminals attach once the server has one, and announces the sandbox once ready', () => {
    const [start, opened, starting, ready] = play(
      { type: 'start' },
      { type: 'opened' },
      { type: 'status', state: 'starting' },
      { type: 'status', state: 'ready' },
    );
    expect(start?.session).toMatchObject({ state: 'starting', live: false });
    expect(opened).toMatchObject({ attach: true, announce: undefined, session: { live: true } });
    expect(starting).toMatchObject({ attach: false, arrived: false, announce: undefined });
    expect(ready).toMatchObject({ arrived: true, announce: 'ready', session: { state: 'ready' } });
    expect(statusText(ready?.session ?? initialSession())).toBe('Ready');
  });

  it('does not announce the same sandbox twice when a terminal reconnects', () => {
    const steps = play(
      { type: 'start' },
      { type: 'opened' },
      { type: 'status', state: 'ready' },
      { type: 'reconnecting' },
      { type: 'status', state: 'ready' },
    );
    expect(steps[3]?.session.state).toBe('reconnecting');
    expect(last(steps)).toMatchObject({ arrived: true, announce: undefined });
  });

  it('ends the sandbox when the session expired: terminals let go, tabs and ports go with it', () => {
    const ended = last(
      play(
        { type: 'start' },
        { type: 'opened' },
        { type: 'status', state: 'ready' },
        { type: 'failed', state: 'expired', message: endedMessage('Idle for 30 minutes.') },
      ),
    );
    expect(ended).toMatchObject({ detach: true, gone: true, announce: 'ended' });
    expect(ended.session).toMatchObject({ state: 'expired', live: false });
    expect(statusText(ended.session)).toBe(
      'Sandbox ended: Idle for 30 minutes. Start a new one to run commands again.',
    );
  });

  it('keeps the tabs of a sandbox it could not reach, and announces nothing', () => {
    const failed = last(
      play({ type: 'start' }, { type: 'failed', state: 'unavailable', message: 'the engine is down' }),
    );
    expect(failed).toMatchObject({ detach: true, gone: false, announce: undefined });
    expect(statusText(failed.session)).toBe('Sandbox unavailable: the engine is down');
  });

  it('announces the end once on a reset, and the new sandbox when it is ready', () => {
    const steps = play(
      { type: 'start' },
      { type: 'opened' },
      { type: 'status', state: 'ready' },
      { type: 'reset' },
      { type: 'start' },
      { type: 'opened' },
      { type: 'status', state: 'ready' },
    );
    expect(steps[3]).toMatchObject({ detach: true, gone: true, announce: 'ended', session: { live: false } });
    expect(steps.map((step) => step.announce).filter(Boolean)).toEqual(['ready', 'ended', 'ready']);
  });

  it('says ended once when the session ends while it expires anyway', () => {
    const steps = play(
      { type: 'start' },
      { type: 'failed', state: 'expired', message: ENDED_TEXT },
      { type: 'failed', state: 'expired', message: ENDED_TEXT },
    );
    expect(steps.map((step) => step.announce)).toEqual([undefined, 'ended', undefined]);
    expect(steps.map((step) => step.gone)).toEqual([false, true, true]);
  });

  it('lets a run type only into a ready sandbox whose shell said where it is, and fails it when none can be had', () => {
    const [starting, , ready] = play(
      { type: 'start' },
      { type: 'opened' },
      { type: 'status', state: 'ready' },
    );
    expect(readiness(starting?.session ?? initialSession(), true)).toBe('waiting');
    expect(readiness(ready?.session ?? initialSession(), false)).toBe('waiting');
    expect(readiness(ready?.session ?? initialSession(), true)).toBe('ready');
    const full = last(play({ type: 'start' }, { type: 'failed', state: 'capacity', message: 'full' }));
    expect(readiness(full.session, true)).toBe('failed');
  });

  it('starts a sandbox again on Run only when one ended or could not be reached', () => {
    expect(restartsOnRun('expired')).toBe(true);
    expect(restartsOnRun('unavailable')).toBe(true);
    expect(restartsOnRun('preparing')).toBe(true);
    for (const state of ['capacity', 'limit', 'ready', 'starting', 'reconnecting'] as const)
      expect(restartsOnRun(state)).toBe(false);
  });

  it('tries again by itself only when a full server said when', () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    const full = failureNotice('capacity', 'Every sandbox is in use.', 30, now);
    expect(full.retryInMs).toBe(30_000);
    expect(full.text).toMatch(/^Every sandbox is in use\. Trying again at .+\.$/);
    expect(full.retry).toBe('Try again');
    expect(failureNotice('limit', 'Too many.', 30, now)).toEqual({ text: 'Too many.', retry: 'Try again' });
    expect(failureNotice('expired', ENDED_TEXT, undefined, now).retry).toBe('Start a new sandbox');
  });

  it('while the server prepares, shows its step and asks again every few seconds', () => {
    const words = 'Sandboxes are being prepared: step 2 of 6 (the sandbox image). It takes minutes.';
    const [, preparing] = play({ type: 'start' }, { type: 'failed', state: 'preparing', message: words });
    expect(statusText(preparing?.session ?? initialSession())).toBe(
      'Sandboxes are being prepared: step 2 of 6 (the sandbox image)',
    );
    expect(failureNotice('preparing', words, 5, 0)).toEqual({
      text: words,
      retry: 'Try again',
      retryInMs: 5_000,
    });
    expect(failureNotice('preparing', words, undefined, 0).retryInMs).toBe(5_000);
  });

  it('says where a waiting reader is in line and how long until their shell, as frames arrive', () => {
    const steps = play(
      { type: 'start' },
      { type: 'opened', queue: { position: 12, estimateSeconds: 20 } },
      { type: 'status', state: 'starting', queue: { position: 11, estimateSeconds: 18 } },
      { type: 'status', state: 'starting', queue: { position: 1, estimateSeconds: 5 } },
      { type: 'status', state: 'starting' },
      { type: 'status', state: 'ready' },
    );
    expect(steps.map((step) => statusText(step.session))).toEqual([
      'Starting your sandbox…',
      'You are 12th in line — about 20 s',
      'You are 11th in line — about 18 s',
      'You are next in line — about 5 s',
      'Starting your sandbox…',
      'Ready',
    ]);
    expect(steps[2]?.announce).toBeUndefined();
  });

  it('writes places and waits plainly: 1st to 23rd, seconds, then minutes', () => {
    const place = (position: number, estimateSeconds = 30) =>
      startingText(4.2, { position, estimateSeconds });
    expect([2, 3, 4, 11, 13, 21, 22, 23, 101, 111].map((n) => place(n).split(' ')[2])).toEqual([
      '2nd',
      '3rd',
      '4th',
      '11th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '101st',
      '111th',
    ]);
    expect(place(40, 89)).toBe('You are 40th in line — about 89 s');
    expect(place(40, 150)).toBe('You are 40th in line — about 3 min');
    expect(startingText(4.2)).toBe('Starting your sandbox… 4.2 s');
  });

  it('forgets the place in line once the sandbox is no longer waiting for a start', () => {
    const reconnecting = last(
      play(
        { type: 'start' },
        { type: 'opened', queue: { position: 2, estimateSeconds: 9 } },
        { type: 'reconnecting' },
      ),
    );
    expect(reconnecting.session.queue).toBeUndefined();
    expect(statusText(reconnecting.session)).toBe('Reconnecting…');
    const full = last(
      play(
        { type: 'start' },
        { type: 'opened', queue: { position: 2, estimateSeconds: 9 } },
        { type: 'failed', state: 'capacity', message: 'full' },
      ),
    );
    expect(full.session.queue).toBeUndefined();
  });
});
