/**
 * Asks the reader, inside the block, for a value for each placeholder before Run sends anything
 * (see ./placeholders.ts). Loaded with the page's block actions; a plain form, so it works with
 * the keyboard and a screen reader as any form does.
 */

/** A container id seen in the output of a block run earlier in this page: what `<…id>` usually means. */
let lastId: string | undefined;

/** Placeholders earlier blocks of this page filled from their output (`fills=`). */
const filledByRuns = new Map<string, string>();

/** What earlier blocks filled of `placeholders`, by placeholder. */
export function filledEarlier(placeholders: readonly string[]): Map<string, string> {
  return new Map(placeholders.flatMap((p) => (filledByRuns.has(p) ? [[p, filledByRuns.get(p) ?? '']] : [])));
}

/** Keeps what a block that succeeded fills for the blocks after it. */
export function noteFill(placeholder: string, value: string): void {
  filledByRuns.set(placeholder, value);
}

/** Remembers the last container id a run printed (`docker run -d` prints the full one). */
export function noteIds(output: string): void {
  const ids = output.match(/\b[0-9a-f]{64}\b|\b[0-9a-f]{12}\b/g);
  if (ids) lastId = ids.at(-1)?.slice(0, 12);
}

/** What a placeholder is likely filled with, from what ran before: an id for an id, a container or a name. */
function guessFor(placeholder: string): string {
  return lastId && /id|container|name/i.test(placeholder) ? lastId : '';
}

let forms = 0;

/** The values the reader gave, by placeholder; undefined when they cancelled. */
export function askForValues(
  block: HTMLElement,
  placeholders: string[],
): Promise<Map<string, string> | undefined> {
  block.querySelector('.berth-fill')?.remove();
  const id = `berth-fill-${++forms}`;
  const form = document.createElement('form');
  form.className = 'berth-fill';
  form.setAttribute('aria-labelledby', `${id}-title`);
  const title = document.createElement('p');
  title.id = `${id}-title`;
  title.textContent = 'This block has words for you to replace before it runs:';
  form.append(title);
  const fields = placeholders.map((placeholder, index) => {
    const label = document.createElement('label');
    const name = document.createElement('code');
    name.textContent = placeholder;
    const input = document.createElement('input');
    input.type = 'text';
    input.required = true;
    input.spellcheck = false;
    input.autocomplete = 'off';
    input.value = guessFor(placeholder);
    input.id = `${id}-${index}`;
    label.htmlFor = input.id;
    label.append(name);
    form.append(label, input);
    return { placeholder, input };
  });
  const run = document.createElement('button');
  run.type = 'submit';
  run.textContent = 'Run with these';
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.textContent = 'Cancel';
  form.append(run, cancel);
  block.append(form);
  fields[0]?.input.focus();
  return new Promise((resolve) => {
    const done = (values: Map<string, string> | undefined) => {
      form.remove();
      resolve(values);
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      done(new Map(fields.map(({ placeholder, input }) => [placeholder, input.value.trim()])));
    });
    cancel.addEventListener('click', () => done(undefined));
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') done(undefined);
    });
  });
}
