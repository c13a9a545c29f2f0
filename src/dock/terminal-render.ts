/**
 * How a terminal draws and counts its cells: xterm's WebGL renderer where the browser has WebGL2
 * (its DOM renderer otherwise, or once the GPU takes the context away), and today's widths.
 *
 * The WebGL addon is its own chunk, fetched with the dock and only where WebGL2 exists, and the
 * dock opens no terminal before it has arrived: each terminal gets its renderer as it opens,
 * before its first fit. Switched later, the renderer's cells measure differently, the refit
 * resizes the shell mid-run, and bash redraws its prompt, marks and all, which a run reads as
 * the prompt coming back.
 */
import { Unicode11Addon } from '@xterm/addon-unicode11';
import type { WebglAddon } from '@xterm/addon-webgl';
import type { Terminal } from '@xterm/xterm';

let Webgl: typeof WebglAddon | undefined;

/** How long the dock waits for the WebGL chunk; terminals opened after it arrives still get it. */
const RENDERER_WAIT_MS = 3000;

/** Settles once the renderer is known: WebGL's addon loaded, or the DOM renderer's alone. */
export const rendererLoaded: Promise<void> =
  typeof WebGL2RenderingContext === 'undefined'
    ? Promise.resolve()
    : Promise.race([
        import('@xterm/addon-webgl').then(
          (module) => {
            Webgl = module.WebglAddon;
          },
          // A chunk that fails to arrive costs speed only: the DOM renderer draws the same text.
          () => undefined,
        ),
        new Promise<void>((resolve) => setTimeout(resolve, RENDERER_WAIT_MS)),
      ]);

/**
 * Draws an opened terminal with WebGL when the browser grants a context. A context lost later
 * (a GPU reset, too many contexts on the page) hands the terminal back to the DOM renderer,
 * which redraws the same buffer: nothing on screen is lost.
 */
export function useFastRenderer(terminal: Terminal): void {
  if (!Webgl) return;
  try {
    const addon = new Webgl();
    addon.onContextLoss(() => addon.dispose());
    terminal.loadAddon(addon);
  } catch {
    // No WebGL2 context here (blocklisted GPU, software rendering off): the DOM renderer stays.
  }
}

/** Widths of Unicode 11 (emoji two cells wide), as the shell's libc counts them. */
export function useUnicode11(terminal: Terminal): void {
  terminal.loadAddon(new Unicode11Addon());
  terminal.unicode.activeVersion = '11';
}
