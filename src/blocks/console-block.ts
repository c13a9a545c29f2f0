/**
 * Reads a `console` block the way a reader does: lines after a `$ ` or `# ` prompt are commands,
 * everything else is output that was shown, not typed. A command keeps its `\` continuation
 * lines and its heredoc bodies, so it is sent whole. Shared by the build (which renders the
 * buttons) and the browser (which runs them); no Node or DOM imports here.
 */

/** Languages whose fenced blocks are shell sessions: prompts are commands, the rest is output. */
export const CONSOLE_LANGUAGES: ReadonlySet<string> = new Set(['console', 'shell-session']);

export type LineKind = 'command' | 'continuation' | 'output';

export type ConsoleBlock = {
  /** Each command as it is typed, prompt stripped, continuation and heredoc lines joined by \n. */
  commands: string[];
  /** The kind of each source line, in order, for styling. */
  lines: LineKind[];
};

const PROMPT = /^[$#](?: |$)/;
/** `<<WORD`, `<<-WORD`, `<<'WORD'`, `<<"WORD"`, but not the here-string `<<<`. */
const HEREDOC = /(?<!<)<<(-?)[ \t]*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

type Heredoc = { delimiter: string; stripTabs: boolean };

function heredocsIn(line: string): Heredoc[] {
  const found: Heredoc[] = [];
  for (const match of line.matchAll(HEREDOC)) {
    found.push({ delimiter: match[3] ?? '', stripTabs: match[1] === '-' });
  }
  return found;
}

/** Whether a line ends with an unescaped backslash, i.e. continues on the next line. */
function continues(line: string): boolean {
  const trailing = /\\+$/.exec(line)?.[0].length ?? 0;
  return trailing % 2 === 1;
}

export function parseConsoleBlock(code: string): ConsoleBlock {
  const source = code.replace(/\r\n?/g, '\n').split('\n');
  if (source.length > 0 && source[source.length - 1] === '') source.pop();
  const commands: string[] = [];
  const lines: LineKind[] = [];
  let i = 0;
  while (i < source.length) {
    const line = source[i] ?? '';
    if (!PROMPT.test(line)) {
      lines.push('output');
      i++;
      continue;
    }
    const parts = [line.replace(PROMPT, '')];
    lines.push('command');
    i++;
    let pending: Heredoc[] = heredocsIn(parts[0] ?? '');
    let current = parts[0] ?? '';
    for (;;) {
      // Heredoc bodies first: they follow the line that opened them, continuation or not.
      while (pending.length > 0 && i < source.length) {
        const body = source[i] ?? '';
        parts.push(body);
        lines.push('continuation');
        i++;
        const head = pending[0] as Heredoc;
        if ((head.stripTabs ? body.replace(/^\t+/, '') : body) === head.delimiter) pending.shift();
      }
      if (pending.length > 0 || !continues(current) || i >= source.length) break;
      current = source[i] ?? '';
      parts.push(current);
      lines.push('continuation');
      i++;
      pending = heredocsIn(current);
    }
    commands.push(parts.join('\n'));
  }
  return { commands, lines };
}
