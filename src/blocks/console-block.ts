/**
 * Reads a `console` block the way a reader does: lines after a `$ ` or `# ` prompt are commands,
 * everything else is output that was shown, not typed. A command keeps its `\` continuation
 * lines and its heredoc bodies, so it is sent whole. Shared by the build (which renders the
 * buttons) and the browser (which runs them); no Node or DOM imports here.
 */

/** Languages whose fenced blocks are shell sessions: prompts are commands, the rest is output. */
export const CONSOLE_LANGUAGES: ReadonlySet<string> = new Set(['console', 'shell-session']);
/**
 * Languages of shell scripts. Tutorials write sessions in them too: such a block is runnable when
 * a line carries a `$ ` prompt (a `#` line is then a comment, not root's prompt), or, on a page
 * that says `promptless: true`, every line of it is a command, as Play with Docker's pages run.
 */
export const SCRIPT_LANGUAGES: ReadonlySet<string> = new Set(['bash', 'sh', 'shell', 'zsh']);

/** Which lines start a command: `$ ` and `# ` prompts, `$ ` only, or every line that is not blank or a comment. */
export type PromptStyle = 'session' | 'dollar' | 'none';

/**
 * The block of `language` as a runnable one, or undefined when it is shown only (a language that
 * is no shell's, a script with no prompt on a page that does not run prompt-less blocks, a
 * session with no command). The site and the guide runner both decide by this.
 */
export function runnableBlock(
  language: string,
  code: string,
  page: { promptless?: boolean } = {},
): ConsoleBlock | undefined {
  let block: ConsoleBlock | undefined;
  if (CONSOLE_LANGUAGES.has(language)) block = parseConsoleBlock(code, 'session');
  else if (SCRIPT_LANGUAGES.has(language)) {
    block = parseConsoleBlock(code, 'dollar');
    if (block.commands.length === 0 && page.promptless) block = parseConsoleBlock(code, 'none');
  }
  return block && block.commands.length > 0 ? block : undefined;
}

export type LineKind = 'command' | 'continuation' | 'input' | 'output';

export type ConsoleBlock = {
  /** Each command as it is typed, prompt stripped, continuation and heredoc lines joined by \n. */
  commands: string[];
  /**
   * For each command, what is typed into the program it opens, in order: the lines after it that
   * carry that program's own prompt (`/ # ls` after `docker run -it alpine sh`), prompt stripped.
   */
  inputs: string[][];
  /** The kind of each source line, in order, for styling. */
  lines: LineKind[];
};

/**
 * Prompts of programs a command opens, as tutorials write them: a container's root shell (`/ # `,
 * `/app # `, `root@3f2a:/# `, `user@host:~$ `), Python's `>>> `, `mysql> `, MariaDB's, psql's
 * `postgres=# `, redis-cli's `127.0.0.1:6379> `, and a command's own question with the answer
 * after it (`Are you sure you want to continue? [y/N] y`).
 */
const PROGRAM_PROMPT =
  /^(?:\/[^\s#]* # |[\w.-]+@[\w.-]+:[^\s]*[#$] |>>> |mysql> |MariaDB \[[^\]]*\]> |[\w-]+=[#>] |[\d.]+:\d+> |[^\n]*\[(?:y\/N|Y\/n|y\/n|yes\/no)\] ?)/;
/** A bare `# ` is root's prompt on the reader's host, unless it follows a command that opens a shell. */
const ROOT_PROMPT = /^# /;
/** Node's REPL prompt, `> `: input only after a command that opens a program (bash's own `> ` is never written). */
const NODE_PROMPT = /^> /;
/** `node` with no script: its REPL. */
const OPENS_NODE = /(?:^|\s)node\s*$/;
/**
 * Commands that open a shell the reader types into, whose root prompt tutorials write as `# `:
 * Docker's interactive run, exec and start, attach, and a shell started with no script.
 */
const OPENS_SHELL =
  /\bdocker\s+(?:container\s+)?(?:(?:run|exec|create|start)\b[^|;&]*\s(?:-[a-zA-Z]*(?:it|ti)[a-zA-Z]*|-i\b[^|;&]*\s-t|-t\b[^|;&]*\s-i|--interactive|-a\b[^|;&]*\s-i)\b|attach\b)|^(?:sudo\s+)?(?:sh|bash)(?:\s+-\S+)*\s*$/;

/**
 * How Berth ends a program a block leaves open after its lines (no `exit`, no `then=`): Docker's
 * detach keys for a container, so it lives on for the blocks after, as the tutorial left it;
 * end of input for a shell or a client of the sandbox's own.
 */
export function programEnding(command: string): 'detach' | 'eof' {
  return /\bdocker\b/.test(command) && OPENS_SHELL.test(command) ? 'detach' : 'eof';
}

/**
 * A `^C` line in a block's output is where the reader pressed Ctrl-C (a `ping` that runs until
 * stopped): it stands among the command's inputs as this key, sent once output has come.
 */
export const INTERRUPT = '\x03';
const INTERRUPT_LINE = /^\s*\^C\s*$/;

/**
 * Commands that show what happens until the reader stops them, which tutorials write without a
 * `^C` line: following a container's logs, Docker's events and live stats, `tail -f`, `watch`, a
 * `ping` with no count. Berth presses Ctrl-C for the reader, as for a `^C` line.
 */
const AT_COMMAND = String.raw`(?:^|[;&|(]\s*|\bsudo\s+|\bdocker\s+(?:container\s+)?exec\s+(?:-\S+\s+)*[\w.-]+\s+)`;
const FOLLOWS = new RegExp(
  [
    String.raw`\bdocker\s+(?:(?:container|compose)\s+)?logs\b[^|;&]*\s(?:--follow|-[a-zA-Z]*f[a-zA-Z]*)\b`,
    String.raw`\bdocker\s+(?:container\s+)?stats\b(?![^|;&]*--no-stream)`,
    String.raw`\bdocker\s+(?:system\s+)?events\b(?![^|;&]*--until)`,
    String.raw`${AT_COMMAND}tail\s+[^|;&]*-[a-zA-Z]*[fF]\b`,
    String.raw`${AT_COMMAND}watch\s`,
    String.raw`${AT_COMMAND}ping\b(?![^|;&]*\s-[a-zA-Z]*c)`,
  ].join('|'),
);

/**
 * Whether `command` runs until stopped. Quoted text is left out: `sh -c "httpd && tail -f /dev/null"`
 * given to `docker run -d` follows nothing here.
 */
export function followsUntilInterrupted(command: string): boolean {
  return FOLLOWS.test(command.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, "''"));
}

/** Whether a block line is input to the program `command` opened, and what is typed. */
function programInput(line: string, command: string | undefined): string | undefined {
  if (command === undefined) return undefined;
  const interactive = OPENS_SHELL.test(command);
  const prompt =
    PROGRAM_PROMPT.exec(line) ??
    (interactive ? ROOT_PROMPT.exec(line) : null) ??
    (interactive || OPENS_NODE.test(command) ? NODE_PROMPT.exec(line) : null);
  return prompt ? line.slice(prompt[0].length) : undefined;
}

const PROMPTS: Record<PromptStyle, RegExp> = {
  session: /^[$#](?: |$)/,
  dollar: /^\$(?: |$)/,
  // Every line but blank ones and comments: nothing to strip.
  none: /^(?!\s*(?:#|$))/,
};
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

export function parseConsoleBlock(code: string, style: PromptStyle = 'session'): ConsoleBlock {
  const PROMPT = PROMPTS[style];
  const source = code.replace(/\r\n?/g, '\n').split('\n');
  if (source.length > 0 && source[source.length - 1] === '') source.pop();
  const commands: string[] = [];
  const inputs: string[][] = [];
  const lines: LineKind[] = [];
  let i = 0;
  while (i < source.length) {
    const line = source[i] ?? '';
    // A session's program prompts are checked first: after `docker run -it`, `# ls` is typed into
    // the container's shell, not run as root here.
    const input = style === 'none' ? undefined : programInput(line, commands.at(-1));
    if (input !== undefined) {
      inputs.at(-1)?.push(input);
      lines.push('input');
      i++;
      continue;
    }
    if (!PROMPT.test(line)) {
      if (style !== 'none' && INTERRUPT_LINE.test(line)) inputs.at(-1)?.push(INTERRUPT);
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
    inputs.push([]);
  }
  return { commands, inputs, lines };
}
