import { describe, expect, it } from 'vitest';
import { isImageReference } from '../images/reference.ts';
import { imagesOf, MAX_PULLS_PER_SANDBOX, startPulls } from './pulls.ts';

describe('imagesOf', () => {
  it('takes the references docker pull takes, each once', () => {
    expect(
      imagesOf({ images: ['python:3-slim', 'acme/api', 'ghcr.io/acme/api:1.4', 'python:3-slim'] }),
    ).toEqual(['python:3-slim', 'acme/api', 'ghcr.io/acme/api:1.4']);
    expect(isImageReference(`redis@sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isImageReference('localhost:5000/app:dev')).toBe(true);
  });

  it('refuses what is not a list of references, and anything docker could read as an option', () => {
    const bad: unknown[] = [
      null,
      [],
      'python',
      {},
      { images: [] },
      { images: 'python' },
      { images: ['python'], more: 1 },
      { images: Array.from({ length: 9 }, (_, i) => `img${i}`) },
      { images: ['--help'] },
      { images: ['-q'] },
      { images: ['Python'] },
      { images: ['a b'] },
      { images: ['python;reboot'] },
      { images: ['$(id)'] },
      { images: [3] },
      { images: [`${'a'.repeat(256)}`] },
    ];
    for (const body of bad) expect(() => imagesOf(body), JSON.stringify(body)).toThrow(/image/);
  });
});

describe('startPulls', () => {
  const fake = () => {
    const calls: string[][] = [];
    const exec = async (_id: string, _host: string, argv: string[]) => {
      calls.push(argv);
      return '';
    };
    return { calls, driver: { exec } };
  };

  it('pulls in the background, each image once per sandbox, as arguments and never shell text', async () => {
    const { calls, driver } = fake();
    const session = { id: 's1', pullsAsked: new Set<string>() };
    expect(await startPulls(driver, session, ['python:3', 'redis'])).toEqual(['python:3', 'redis']);
    expect(await startPulls(driver, session, ['redis', 'node:20'])).toEqual(['redis', 'node:20']);
    expect(await startPulls(driver, session, ['redis'])).toEqual(['redis']);
    expect(calls.map((argv) => argv.slice(0, 2))).toEqual([
      ['setsid', '-f'],
      ['setsid', '-f'],
    ]);
    expect(calls.map((argv) => argv.slice(6))).toEqual([['python:3', 'redis'], ['node:20']]);
  });

  it(`stops at ${MAX_PULLS_PER_SANDBOX} images a sandbox was asked for`, async () => {
    const { calls, driver } = fake();
    const session = { id: 's1', pullsAsked: new Set<string>() };
    for (let i = 0; i < 5; i++) {
      await startPulls(
        driver,
        session,
        Array.from({ length: 8 }, (_, j) => `img${i}x${j}`),
      );
    }
    expect(session.pullsAsked.size).toBe(MAX_PULLS_PER_SANDBOX);
    expect(await startPulls(driver, session, ['one-more'])).toEqual([]);
    expect(calls.flatMap((argv) => argv.slice(6))).toHaveLength(MAX_PULLS_PER_SANDBOX);
  });

  it('asks again for an image whose exec failed', async () => {
    const session = { id: 's1', pullsAsked: new Set<string>() };
    const failing = { exec: async () => Promise.reject(new Error('sandbox_unavailable')) };
    await expect(startPulls(failing, session, ['redis'])).rejects.toThrow();
    expect(session.pullsAsked.size).toBe(0);
  });
});
