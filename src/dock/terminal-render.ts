/**
 * How a terminal counts its cells: today's character widths. (xterm's WebGL renderer is not used:
 * its cells measure differently from the DOM renderer's, and the refit after switching resizes
 * the shell mid-run; bash then redraws its prompt, marks and all, which a run reads as the
 * prompt coming back.)
 */
import { Unicode11Addon } from '@xterm/addon-unicode11';
import type { Terminal } from '@xterm/xterm';

/** Widths of Unicode 11 (emoji two cells wide), as the shell's libc counts them. */
export function useUnicode11(terminal: Terminal): void {
  terminal.loadAddon(new Unicode11Addon());
  terminal.unicode.activeVersion = '11';
}
