import { Duplex, PassThrough } from 'node:stream';
import type { HostName } from '../hosts.ts';
import { EXEC_USER, inside, NOBODY } from './confinement.ts';
import { containerOf, type Engine } from './engine.ts';

/** A TCP connection to `port` on the sandbox's loopback, relayed by a program inside the sandbox. */
export async function relayPort(
  engine: Engine,
  sessionId: string,
  host: HostName,
  port: number,
): Promise<Duplex> {
  // busybox's nc relays stdin and stdout to the port; as nobody, it can do nothing else.
  const exec = await containerOf(engine, sessionId, host).exec({
    Cmd: inside(['busybox', 'nc', '127.0.0.1', String(port)], NOBODY),
    User: EXEC_USER,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  });
  const socket = (await exec.start({ hijack: true, stdin: true })) as Duplex;
  const fromPort = new PassThrough();
  engine.docker.modem.demuxStream(socket, fromPort, new PassThrough().resume());
  socket.on('end', () => fromPort.end());
  socket.on('error', (error) => fromPort.destroy(error));
  const connection = Duplex.from({ readable: fromPort, writable: socket });
  connection.on('close', () => socket.destroy());
  // Once the port's side has ended and all of it was read, nc has exited: nothing more can be
  // written either, so the connection closes (a half-open one would hold its exec forever).
  connection.once('end', () => connection.destroy());
  return connection;
}
