import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from './heartbeat.ts';

function fakePeer() {
  return {
    pings: 0,
    terminated: false,
    ping() {
      this.pings++;
    },
    terminate() {
      this.terminated = true;
    },
  };
}

describe('the heartbeat', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pings every interval, and a peer that answers each ping stays', () => {
    const peer = fakePeer();
    const heartbeat = new Heartbeat(peer, 30_000);
    vi.advanceTimersByTime(29_999);
    expect(peer.pings).toBe(0);
    for (let beat = 1; beat <= 5; beat++) {
      vi.advanceTimersByTime(30_000);
      expect(peer.pings).toBe(beat);
      heartbeat.pong();
    }
    expect(peer.terminated).toBe(false);
    heartbeat.stop();
  });

  it('terminates a peer that has not answered the last ping by the next beat', () => {
    const peer = fakePeer();
    new Heartbeat(peer, 30_000);
    vi.advanceTimersByTime(30_000);
    expect(peer.pings).toBe(1);
    vi.advanceTimersByTime(30_000);
    expect(peer.terminated).toBe(true);
    vi.advanceTimersByTime(120_000);
    expect(peer.pings).toBe(1); // it stopped with the termination
  });

  it('does nothing more once stopped', () => {
    const peer = fakePeer();
    const heartbeat = new Heartbeat(peer, 30_000);
    vi.advanceTimersByTime(30_000);
    heartbeat.stop();
    vi.advanceTimersByTime(300_000);
    expect(peer).toMatchObject({ pings: 1, terminated: false });
  });
});
