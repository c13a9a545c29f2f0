/**
 * The only script every page ships: wires the Run and Copy buttons of console blocks. The
 * terminal dock (and xterm with it) is loaded on the first Run, or on a later page once the
 * reader has opened it, never before.
 */
import type { BerthDock } from '../dock/dock.ts';

const DOCK_KEY = 'berth-dock';
let dock: Promise<BerthDock> | undefined;

/** `create`: a Run may start a sandbox; a page that only restores the dock must not. */
function loadDock(create: boolean): Promise<BerthDock> {
  dock ??= import('../dock/dock.ts').then((module) => module.openDock(create));
  return dock;
}

function say(status: Element | null, text: string, kind: 'ok' | 'fail' | 'info' = 'info'): void {
  if (!status) return;
  status.textContent = text;
  status.setAttribute('data-kind', kind);
}

/** The clipboard API needs a secure context; a self-hosted Berth on plain http over a LAN has none. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('copy refused');
}

async function onAction(button: HTMLButtonElement): Promise<void> {
  const block = button.closest<HTMLElement>('.berth-block');
  if (!block) return;
  const commands = JSON.parse(block.dataset.commands ?? '[]') as string[];
  const status = block.querySelector('.berth-block-status');
  if (button.dataset.action === 'copy') {
    try {
      await copyText(`${commands.join('\n')}\n`);
      say(status, 'Copied', 'ok');
    } catch {
      say(status, 'Copy failed: select the text instead', 'fail');
    }
    return;
  }
  if (button.getAttribute('aria-busy') === 'true') return;
  button.setAttribute('aria-busy', 'true');
  say(status, 'Running…');
  try {
    sessionStorage.setItem(DOCK_KEY, 'open');
    const result = await (await loadDock(true)).run(commands);
    if (result.outcome === 'cancelled') say(status, 'Not run');
    else if (result.code === 0) say(status, '✓ exit 0', 'ok');
    else say(status, `✗ exit ${result.code}`, 'fail');
  } catch (error) {
    say(status, `Not run: ${(error as Error).message}`, 'fail');
  } finally {
    button.removeAttribute('aria-busy');
  }
}

document.addEventListener('click', (event) => {
  const button = (event.target as Element | null)?.closest?.<HTMLButtonElement>(
    '.berth-block button[data-action]',
  );
  if (button) void onAction(button);
});

if (sessionStorage.getItem(DOCK_KEY) === 'open') void loadDock(false);
