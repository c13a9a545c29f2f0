/**
 * Words in a command that a reader is meant to replace before running it, as tutorials write
 * them: `<the-container-id>`, `<container name>`, `YOUR-USER-NAME`, `YOUR_TOKEN`. Shared by the
 * site (which asks the reader for each before Run sends anything) and the guide runner (which
 * reports the block instead of sending it); no Node or DOM here.
 */

/** `<word>` or `<a few words>`: not `<<`/`<<<`, not `< file`, not an HTML element. */
const ANGLED = /(?<![<\w])<([A-Za-z][\w.:/-]*(?: [\w.:/-]+){0,3})>(?!>)/g;
const YOURS = /\bYOUR[-_][A-Z0-9][A-Z0-9_-]*\b/g;
/** Elements tutorials echo into index.html files: these are markup, not placeholders. */
const HTML_ELEMENTS = new Set(
  'a abbr b body br button code div em footer form h1 h2 h3 h4 h5 h6 head header hr html i img input label li link main meta nav ol option p pre script section select small span strong style sub sup table tbody td textarea th thead title tr u ul'.split(
    ' ',
  ),
);

/** The distinct placeholders of a command, in order; a heredoc's body is the file's, not the reader's to fill. */
export function placeholdersIn(command: string): string[] {
  const typed = /<<-?\s*['"]?\w/.test(command) ? (command.split('\n')[0] ?? '') : command;
  const found: string[] = [];
  for (const match of typed.matchAll(ANGLED)) {
    if (!HTML_ELEMENTS.has((match[1] ?? '').toLowerCase())) found.push(match[0]);
  }
  for (const match of typed.matchAll(YOURS)) found.push(match[0]);
  return [...new Set(found)].sort((x, y) => typed.indexOf(x) - typed.indexOf(y));
}

/** Every placeholder of a block's commands and its programs' lines, in order. */
export function blockPlaceholders(
  commands: readonly string[],
  inputs: readonly (readonly string[])[] = [],
): string[] {
  const lines = commands.flatMap((command, index) => [command, ...(inputs[index] ?? [])]);
  return [...new Set(lines.flatMap(placeholdersIn))];
}

/** The text with each placeholder replaced by the reader's value for it. */
export function fillPlaceholders(text: string, values: ReadonlyMap<string, string>): string {
  let filled = text;
  for (const [placeholder, value] of values) filled = filled.split(placeholder).join(value);
  return filled;
}
