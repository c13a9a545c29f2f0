import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FlowGate } from './flow-gate.ts';
import { OutputRate } from './output-rate.ts';

/** A stream as the gate drives it: it only remembers whether it flows. */
function fakeSource() {
  return {
    flowing: true,
    pause() {
      this.flowing = false;
    },
    resume() {
      this.flowing = true;
    },
  };
}

const limits = { highWaterBytes: 1000, lowWaterBytes: 250 };
/** So fast that only the tests about the rate ever meet it. */
const unbounded = () => new OutputRate(Number.MAX_SAFE_INTEGER, 10, () => Date.now());

describe('the flow gate', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('holds output while the client has paused it, and lets it flow on resume', () => {
    const source = fakeSource();
    const gate = new FlowGate(limits, unbounded());
    gate.attach(source);
    gate.clientPaused(true);
    expect(source.flowing).toBe(false);
    gate.clientPaused(false);
    expect(source.flowing).toBe(true);
  });

  it('applies a pause asked before the stream was there as soon as it is', () => {
    const source = fakeSource();
    const gate = new FlowGate(limits, unbounded());
    gate.clientPaused(true);
    gate.attach(source);
    expect(source.flowing).toBe(false);
  });

  it('pauses above the high water mark and resumes only below the low one', () => {
    const source = fakeSource();
    const gate = new FlowGate(limits, unbounded());
    gate.attach(source);
    gate.sent(600, 900);
    expect(source.flowing).toBe(true);
    gate.sent(600, 1500);
    expect(gate.has('backpressure')).toBe(true);
    expect(source.flowing).toBe(false);
    gate.drained(600); // between the marks: still too much unsent
    expect(source.flowing).toBe(false);
    gate.drained(200);
    expect(source.flowing).toBe(true);
  });

  it('pauses output past the rate for as long as the rate says, then resumes by itself', () => {
    const source = fakeSource();
    const gate = new FlowGate(limits, new OutputRate(1_000_000, 10, () => Date.now())); // 10 000 bytes per 10 ms
    gate.attach(source);
    gate.sent(8000, 0);
    expect(source.flowing).toBe(true);
    gate.sent(8000, 0); // 16 000 bytes are paid for 16 ms after the window opened
    expect(gate.has('throttle')).toBe(true);
    expect(source.flowing).toBe(false);
    vi.advanceTimersByTime(15);
    expect(source.flowing).toBe(false);
    vi.advanceTimersByTime(1);
    expect(source.flowing).toBe(true);
  });

  it('stays paused until every reason to pause is gone', () => {
    const source = fakeSource();
    const gate = new FlowGate(limits, new OutputRate(1_000_000, 10, () => Date.now()));
    gate.attach(source);
    gate.clientPaused(true);
    gate.sent(20_000, 5000); // over both the high water mark and the rate
    expect(gate.paused).toBe(true);
    gate.clientPaused(false);
    expect(source.flowing).toBe(false);
    vi.advanceTimersByTime(100); // the throttle ends; the socket is still backed up
    expect(source.flowing).toBe(false);
    gate.drained(0);
    expect(source.flowing).toBe(true);
  });

  it('leaves a stopped connection’s stream alone when a throttle ends', () => {
    const source = fakeSource();
    const gate = new FlowGate(limits, new OutputRate(1_000_000, 10, () => Date.now()));
    gate.attach(source);
    gate.sent(20_000, 0);
    expect(source.flowing).toBe(false);
    gate.stop();
    vi.advanceTimersByTime(100);
    expect(source.flowing).toBe(false);
  });
});
