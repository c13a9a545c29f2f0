import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpStatus } from './probe.ts';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function listening(server: Server): Promise<string> {
  servers.push(server.listen(0, '127.0.0.1'));
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
}

describe('httpStatus', () => {
  it('gives the status of a server that answers', async () => {
    const url = await listening(createHttpServer((_req, res) => res.writeHead(200).end('{}')));
    expect(await httpStatus(url, 2000)).toBe(200);
  });

  it('settles at once when the connection is closed without an answer, as Docker’s port proxy does', async () => {
    const url = await listening(createServer((socket) => socket.destroy()));
    const started = Date.now();
    expect(await httpStatus(url, 5000)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up on a server that accepts and never answers', async () => {
    const url = await listening(createServer(() => {}));
    expect(await httpStatus(url, 300)).toBeUndefined();
  });
});
