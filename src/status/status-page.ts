/**
 * The status page (src/pages/status.astro): asks `/readyz` every few seconds and says what it
 * answered, the preparation's step and the checks, in words.
 */
import type { PreparationView } from '../../sandbox-server/src/preparation/preparation.ts';
import { sitePath } from '../links/site-path.ts';

const ASK_EVERY_MS = 3_000;

/** `/readyz`'s body, as far as this page reads it; anything else is shown as an unknown answer. */
export type ReadyBody = {
  status?: string;
  checks?: Record<string, string>;
  preparation?: PreparationView;
};

const CHECK_NAMES: Record<string, string> = {
  prepared: 'Images built and the mirror set up',
  image: 'The sandbox image is present',
  mirror: 'The registry mirror answers',
  firewall: 'The sandbox firewall is installed',
};

const RESULT_WORDS: Record<string, string> = { ok: 'OK', off: 'Turned off', failing: 'Not yet' };

/** The page's summary and step lines for an answer, or for no answer at all (`undefined`). */
export function statusLines(body: ReadyBody | undefined): { summary: string; step?: string } {
  if (!body) return { summary: 'The server does not answer.' };
  const preparation = body.preparation;
  const step =
    preparation && preparation.state !== 'ready'
      ? `Step ${preparation.step} of ${preparation.of}${preparation.doing.length > 0 ? `: ${preparation.doing.join(', ')}` : ''}.`
      : undefined;
  if (body.status === 'ready') return { summary: 'Ready: sandboxes start now.' };
  if (preparation?.state === 'failed') {
    const when = preparation.retryAt ? ` at ${new Date(preparation.retryAt).toLocaleTimeString()}` : '';
    return {
      summary: `Preparing sandboxes failed: ${preparation.error ?? 'see the server log'}. It tries again${when}.`,
      step,
    };
  }
  if (preparation?.state === 'preparing') {
    return { summary: 'Sandboxes are being prepared. A first start builds the images: a few minutes.', step };
  }
  return { summary: 'Not ready: sandboxes cannot start now. The checks below say what is missing.' };
}

async function ask(): Promise<ReadyBody | undefined> {
  try {
    const response = await fetch(sitePath('/readyz'), { cache: 'no-store' });
    const body = (await response.json()) as ReadyBody;
    return typeof body === 'object' && body !== null ? body : undefined;
  } catch {
    return undefined;
  }
}

function show(root: Document, body: ReadyBody | undefined): void {
  const summary = root.getElementById('berth-status-summary');
  const step = root.getElementById('berth-status-step');
  const table = root.getElementById('berth-status-checks');
  if (!summary || !step || !table) return;
  const lines = statusLines(body);
  summary.textContent = lines.summary;
  step.hidden = lines.step === undefined;
  step.textContent = lines.step ?? '';
  const checks = Object.entries(body?.checks ?? {});
  table.hidden = checks.length === 0;
  const rows = checks.map(([name, result]) => {
    const row = root.createElement('tr');
    for (const text of [CHECK_NAMES[name] ?? name, RESULT_WORDS[result] ?? result]) {
      const cell = root.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  });
  table.querySelector('tbody')?.replaceChildren(...rows);
}

/** Shows `/readyz` now and every few seconds after. */
export function watchStatus(root: Document): void {
  const tick = async () => {
    try {
      show(root, await ask());
    } catch {
      // An answer shaped unlike /readyz's (a proxy's JSON, say) is shown as none.
      show(root, undefined);
    } finally {
      setTimeout(() => void tick(), ASK_EVERY_MS);
    }
  };
  void tick();
}
