/**
 * The dock's Share panel, the owner's: makes watch and drive links, shows each with who is
 * connected through it, revokes one or all; and, while any link lives, tells the server which
 * page the owner is on and its results, so guests follow. A link's token is shown only when it
 * is made (the server never tells it again); this tab keeps the ones it made, per sandbox.
 */
import { copyText } from '../blocks/copy-text.ts';
import { cloneTemplate, partOf } from '../dock/dock-markup.ts';
import {
  listShares,
  makeShare,
  type OwnerPage,
  revokeAllShares,
  revokeShare,
  type ShareKind,
  type ShareView,
  shareUrl,
  tellPage,
} from './share-api.ts';

const TOKENS_KEY = 'berth-share-tokens';
/** How often who is connected is asked: often while the panel is open, now and then while links live. */
const OPEN_POLL_MS = 3000;
const CLOSED_POLL_MS = 10_000;

type SavedTokens = { sandbox: string; tokens: Record<string, string> };

export type SharePanelParts = {
  panel: HTMLElement;
  toggle: HTMLButtonElement;
  list: HTMLElement;
  error: HTMLElement;
};

export class SharePanel {
  readonly #parts: SharePanelParts;
  readonly #sandbox: () => string | undefined;
  #links: ShareView[] = [];
  #timer: number | undefined;
  #page: OwnerPage | undefined;
  /** The page last told to guests, so a page is told once links are known, and not again. */
  #told = '';

  constructor(parts: SharePanelParts, sandbox: () => string | undefined) {
    this.#parts = parts;
    this.#sandbox = sandbox;
    parts.toggle.addEventListener('click', () => this.setOpen(parts.panel.hidden));
    parts.list.addEventListener('click', (event) => this.#act(event));
  }

  get open(): boolean {
    return !this.#parts.panel.hidden;
  }

  setOpen(open: boolean): void {
    this.#parts.panel.hidden = !open;
    this.#parts.toggle.setAttribute('aria-expanded', String(open));
    if (open) void this.refresh();
  }

  /** The sandbox is ready (again): its links, if any, are asked for. */
  ready(): void {
    void this.refresh();
  }

  /** The sandbox ended: its links ended with it. */
  ended(): void {
    window.clearTimeout(this.#timer);
    this.#links = [];
    this.#told = '';
    this.#render();
  }

  /** The owner's page and results, told to guests now if any link lives, else when one is made. */
  report(page: OwnerPage): void {
    this.#page = page;
    this.#tell();
  }

  #tell(): void {
    const page = this.#page;
    if (!page || this.#links.length === 0 || JSON.stringify(page) === this.#told) return;
    this.#told = JSON.stringify(page);
    void tellPage(page);
  }

  async make(kind: ShareKind): Promise<void> {
    try {
      const made = await makeShare(kind);
      this.#saveToken(made.address, made.token);
      await this.refresh();
      const input = this.#parts.list.querySelector<HTMLInputElement>(
        `[data-address="${made.address}"] [data-share-url]`,
      );
      input?.focus();
      input?.select();
    } catch (error) {
      this.#fail(error);
    }
  }

  async revokeAll(): Promise<void> {
    try {
      await revokeAllShares();
      await this.refresh();
    } catch (error) {
      this.#fail(error);
    }
  }

  async refresh(): Promise<void> {
    window.clearTimeout(this.#timer);
    try {
      this.#links = await listShares();
      this.#parts.error.hidden = true;
    } catch {
      // no sandbox yet, or the server is away: the links, if any, show on the next ask
    }
    this.#render();
    this.#tell();
    const every = this.open ? OPEN_POLL_MS : this.#links.length > 0 ? CLOSED_POLL_MS : 0;
    if (every > 0) this.#timer = window.setTimeout(() => void this.refresh(), every);
  }

  #render(): void {
    const tokens = this.#tokens();
    const items = this.#links.map((link) => {
      const item = partOf(cloneTemplate('berth-share-link'), 'li');
      item.dataset.address = link.address;
      partOf(item, '[data-share-kind]').textContent = link.kind === 'watch' ? 'Watch' : 'Drive';
      const url = partOf<HTMLInputElement>(item, '[data-share-url]');
      const copy = partOf<HTMLButtonElement>(item, '[data-share-action="copy"]');
      const token = tokens[link.address];
      url.value = token ? shareUrl(token) : 'made in another tab: its address was shown there';
      copy.disabled = !token;
      partOf(item, '[data-share-guests]').textContent = guestsText(link);
      return item;
    });
    this.#parts.list.replaceChildren(...items);
    const connected = this.#links.reduce((sum, link) => sum + link.guests.length, 0);
    this.#parts.toggle.textContent = connected > 0 ? `Share (${connected})` : 'Share';
    this.#parts.toggle.title =
      connected > 0
        ? `${connected} connected: ${this.#links.flatMap((l) => l.guests.map((g) => g.name)).join(', ')}`
        : 'Let others watch this sandbox, or drive it with you';
  }

  #act(event: MouseEvent): void {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('[data-share-action]');
    const address = button?.closest<HTMLElement>('[data-address]')?.dataset.address;
    if (!button || !address) return;
    if (button.dataset.shareAction === 'revoke') {
      revokeShare(address)
        .then(() => this.refresh())
        .catch((error: unknown) => this.#fail(error));
      return;
    }
    const url = button.parentElement?.querySelector<HTMLInputElement>('[data-share-url]');
    if (!url) return;
    void copyText(url.value).then(
      () => {
        button.textContent = 'Copied';
        window.setTimeout(() => {
          button.textContent = 'Copy';
        }, 1500);
      },
      () => this.#fail(new Error('Copy failed: select the address and copy it yourself.')),
    );
  }

  #fail(error: unknown): void {
    this.#parts.error.textContent = (error as Error).message;
    this.#parts.error.hidden = false;
  }

  #tokens(): Record<string, string> {
    try {
      const saved = JSON.parse(sessionStorage.getItem(TOKENS_KEY) ?? 'null') as SavedTokens | null;
      return saved && saved.sandbox === this.#sandbox() ? saved.tokens : {};
    } catch {
      return {};
    }
  }

  #saveToken(address: string, token: string): void {
    const sandbox = this.#sandbox();
    if (!sandbox) return;
    const saved: SavedTokens = { sandbox, tokens: { ...this.#tokens(), [address]: token } };
    sessionStorage.setItem(TOKENS_KEY, JSON.stringify(saved));
  }
}

/** `no one connected`, `1 connected: Ada`, `3 connected: Ada, guest, guest`. */
export function guestsText(link: Pick<ShareView, 'guests'>): string {
  if (link.guests.length === 0) return 'no one connected';
  return `${link.guests.length} connected: ${link.guests.map((g) => g.name).join(', ')}`;
}
