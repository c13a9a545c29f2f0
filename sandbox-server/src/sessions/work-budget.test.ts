import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors/index.ts';
import { WorkBudget } from './work-budget.ts';

const refused = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof ApiError ? error : undefined;
  }
  return undefined;
};

describe("a session's work budget", () => {
  it('lets a burst through, then one start per token as the tokens come back', () => {
    let now = 0;
    const budget = new WorkBudget('views', { concurrent: 10, perSecond: 2, burst: 3 }, () => now);
    for (let i = 0; i < 3; i++) budget.take();
    const error = refused(() => budget.take());
    expect(error?.code).toBe('too_many_requests');
    expect(error?.status).toBe(429);
    expect(error?.retryAfterSeconds).toBe(1);
    now = 500; // half a second: one token back
    budget.take();
    expect(refused(() => budget.take())).toBeDefined();
  });

  it('holds at most so many at once, and frees a place when one ends', async () => {
    const budget = new WorkBudget('views', { concurrent: 2, perSecond: 100, burst: 100 });
    const gates: (() => void)[] = [];
    const held = () => budget.run(() => new Promise<void>((resolve) => gates.push(resolve)));
    const first = held();
    const second = held();
    await expect(budget.run(async () => 'third')).rejects.toMatchObject({ code: 'too_many_requests' });
    gates.shift()?.();
    await first;
    expect(await budget.run(async () => 'now')).toBe('now');
    gates.shift()?.();
    await second;
  });
});
