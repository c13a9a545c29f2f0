import { describe, expect, it } from 'vitest';
import { StderrBudget } from './stderr-budget.ts';

describe('the stderr budget', () => {
  it('logs the first bytes and counts the rest', () => {
    const lines: string[] = [];
    const budget = new StderrBudget(10, (text) => lines.push(text));
    budget.take('abcdef');
    budget.take('ghijkl');
    for (let i = 0; i < 1000; i++) budget.take('flood');
    expect(lines).toEqual(['abcdef', 'ghij']);
    expect(budget.unlogged).toBe(2 + 5000);
  });
});
