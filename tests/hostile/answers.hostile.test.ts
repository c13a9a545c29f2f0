import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { previewIdFor, previewUrl } from '../../sandbox-server/src/preview/preview-path.ts';
import { eventually } from '../../sandbox-server/src/testing/server.ts';
import { useHostile, type Visitor } from './hostile.ts';

/*
 * What comes back from a sandbox is the visitor's to choose: answers of their apps through the
 * preview, output of the programs the server runs there, their logs. None of it may stop the
 * server or slow the bystander (checked after every case by useHostile).
 */
const hostile = useHostile();

/** An app in the visitor's sandbox on `port` that answers every connection with `answer` (printf text). */
async function app(visitor: Visitor, port: number, answer: string): Promise<void> {
  const command = `docker run -d -p ${port}:${port} busybox nc -ll -p ${port} -e sh -c 'read line; printf "${answer}"'`;
  const started = await visitor.terminal.run(command);
  expect(started.code, started.output).toBe(0);
}

/** The preview's answer to a plain request, or to an upgrade when `upgrade` is set. */
function preview(visitor: Visitor, port: number, upgrade = false): Promise<{ status: number; body: string }> {
  const url = new URL(previewUrl(previewIdFor(visitor.session.id), port), hostile.server.previewUrl);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      agent: false,
      timeout: 10_000,
      headers: {
        cookie: visitor.session.cookie,
        ...(upgrade ? { connection: 'Upgrade', upgrade: 'websocket' } : {}),
      },
    });
    req.on('upgrade', (answer, socket) => {
      socket.destroy();
      resolve({ status: answer.statusCode ?? 0, body: '' });
    });
    req.on('response', (answer) => {
      let body = '';
      answer.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      answer.on('end', () => resolve({ status: answer.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('the preview did not answer in 10 s')));
    req.on('error', reject);
    req.end();
  });
}

/** The preview's answer once the app is up: published (not 404) and listening (not unreachable). */
function settled(visitor: Visitor, port: number, upgrade = false) {
  return eventually(async () => {
    const answer = await preview(visitor, port, upgrade);
    const up = answer.status !== 404 && !answer.body.includes('preview_unreachable');
    return up && answer;
  }, `the app on port ${port}`);
}

describe('a visitor’s app answering what is not HTTP through the preview', () => {
  it('an impossible status line (HTTP/1.1 000): 502 for the visitor, and the server serves on', async () => {
    const attacker = await hostile.attacker();
    await app(attacker, 7100, 'HTTP/1.1 000 X\\r\\nContent-Length: 0\\r\\n\\r\\n');
    const answer = await settled(attacker, 7100);
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'preview_invalid_answer' } });
  });

  it('a garbage 101 to an upgrade, and a header the server could not send on: 502 each', async () => {
    const attacker = await hostile.attacker();
    await app(attacker, 7101, 'HTTP/1.1 101 X\\r\\nUpgrade websocket\\r\\n\\r\\n');
    await app(attacker, 7102, 'HTTP/1.1 200 OK\\r\\nX-A: a\\001b\\r\\nContent-Length: 0\\r\\n\\r\\n');
    const upgrade = await settled(attacker, 7101, true);
    expect(upgrade.status).toBe(502);
    expect(JSON.parse(upgrade.body)).toMatchObject({ error: { code: 'preview_invalid_answer' } });
    const header = await settled(attacker, 7102);
    expect(header.status).toBe(502);
  });
});
