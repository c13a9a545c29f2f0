import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { pino } from 'pino';
import { PreviewProxy, type SessionLookup } from '../preview/proxy.ts';

/**
 * The preview proxy on a loopback listener, in front of an app on loopback port `appPort` that
 * stands for every sandbox's published `port`: for tests of the proxy's own bytes and rules.
 */
export async function loopbackPreview(
  sessions: SessionLookup,
  port: number,
  appPort: number,
): Promise<{ preview: Server; previewPort: number }> {
  const proxy = new PreviewProxy(
    sessions,
    {
      publishedPorts: async () => new Set([port]),
      connect: async () => {
        const socket = connect(appPort, '127.0.0.1');
        await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        return socket;
      },
    },
    pino({ level: 'silent' }),
  );
  const preview = createServer(proxy.handleRequest);
  preview.on('upgrade', proxy.handleUpgrade);
  await new Promise<void>((resolve) => preview.listen(0, '127.0.0.1', resolve));
  return { preview, previewPort: (preview.address() as AddressInfo).port };
}
