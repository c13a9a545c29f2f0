/**
 * Links to the ports the reader published in their sandbox, in the dock's bar: asked of
 * `/api/session/ports` when the sandbox is ready and after every command, each opening the
 * port's preview in a new tab.
 */
import type { PreviewPort } from '../../sandbox-server/src/contract/index.ts';
import { publishedPorts } from './session-api.ts';

export class PortLinks {
  readonly #list: HTMLElement;
  /** Whether there is a sandbox to ask about: else there are no ports. */
  readonly #ready: () => boolean;
  #request: Promise<void> | undefined;
  #again = false;
  /** Bumped when a sandbox ends, so its ports, if they arrive later, are not shown for the next one. */
  #endedSandboxes = 0;
  #ports: PreviewPort[] = [];

  constructor(list: HTMLElement, ready: () => boolean) {
    this.#list = list;
    this.#ready = ready;
  }

  /** Asks for the published ports again; calls made meanwhile are folded into one more. */
  refresh(): void {
    if (this.#request) {
      this.#again = true;
      return;
    }
    this.#request = (async () => {
      do {
        this.#again = false;
        const sandbox = this.#endedSandboxes;
        const ports = this.#ready() ? await publishedPorts() : [];
        if (sandbox === this.#endedSandboxes) this.#show(ports);
      } while (this.#again);
    })().finally(() => {
      this.#request = undefined;
    });
  }

  /** The preview address of a published port, as last asked; undefined when it is not published. */
  urlOf(port: number): string | undefined {
    return this.#ports.find((published) => published.port === port)?.url;
  }

  /** The sandbox ended: its links go with it. */
  clear(): void {
    this.#endedSandboxes++;
    this.#show([]);
  }

  #show(ports: PreviewPort[]): void {
    this.#ports = ports;
    const links = ports.map((port) => {
      const link = document.createElement('a');
      link.href = port.url;
      link.target = '_blank';
      link.rel = 'noopener';
      link.textContent = `Open port ${port.port}`;
      link.title = `${port.container}, port ${port.containerPort}, in a new tab`;
      return link;
    });
    this.#list.replaceChildren(...links);
    this.#list.hidden = links.length === 0;
  }
}
