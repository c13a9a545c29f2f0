import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.ts';
import { parsePoolSchedule } from './pool-schedule.ts';

describe('the pool schedule', () => {
  it('reads windows of local time with the pool each wants', () => {
    expect(parsePoolSchedule('09:00-12:00=40, 14:00-15:30=25')).toEqual([
      { from: 9 * 60, to: 12 * 60, size: 40, text: '09:00-12:00=40' },
      { from: 14 * 60, to: 15 * 60 + 30, size: 25, text: '14:00-15:30=25' },
    ]);
    expect(parsePoolSchedule('')).toEqual([]);
    expect(parsePoolSchedule('7:30-24:00=5')).toMatchObject([{ from: 450, to: 1440 }]);
  });

  it('says what is wrong with a window', () => {
    expect(parsePoolSchedule('09:00-12:00')).toMatch(/"09:00-12:00" is not a window like 09:00-12:00=40/);
    expect(parsePoolSchedule('9-12=40')).toMatch(/is not a window/);
    expect(parsePoolSchedule('09:00-25:00=4')).toMatch(/names a time that is not one/);
    expect(parsePoolSchedule('09:75-10:00=4')).toMatch(/names a time that is not one/);
    expect(parsePoolSchedule('23:00-01:00=4')).toMatch(/ends before it starts; split a window over midnight/);
    expect(parsePoolSchedule('09:00-10:00=0')).toMatch(/a window holds 1 to 256/);
    expect(parsePoolSchedule('09:00-10:00=500')).toMatch(/asks for 500 sandboxes/);
  });

  it('is a setting: bad input stops the server naming BERTH_POOL_SCHEDULE', () => {
    expect(loadConfig({}).poolSchedule).toEqual([]);
    expect(loadConfig({ BERTH_POOL_SCHEDULE: '09:00-12:00=40' }).poolSchedule).toHaveLength(1);
    expect(() => loadConfig({ BERTH_POOL_SCHEDULE: 'mornings' })).toThrow(/BERTH_POOL_SCHEDULE: "mornings"/);
  });

  it('comes with the other settings of a crowd: starts at once and the admin token', () => {
    expect(loadConfig({})).toMatchObject({ startsAtOnce: 3, adminToken: undefined });
    expect(loadConfig({ BERTH_STARTS_AT_ONCE: '6' }).startsAtOnce).toBe(6);
    expect(() => loadConfig({ BERTH_STARTS_AT_ONCE: '0' })).toThrow(/BERTH_STARTS_AT_ONCE/);
    expect(() => loadConfig({ BERTH_ADMIN_TOKEN: 'short' })).toThrow(
      /BERTH_ADMIN_TOKEN: at least 16 characters/,
    );
  });
});
