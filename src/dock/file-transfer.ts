/**
 * Files in and out of the reader's sandbox from the dock: files or folders dropped on it (or
 * picked) go, as one tar archive, to where the shown terminal's shell is; a path typed in the
 * download form comes back as a .tar. Both through `/api/session/files`, the owner's only.
 */
import { sessionPath } from '../links/session-path.ts';
import { errorOf } from './session-api.ts';
import { type TarEntry, tarOf } from './tar-writer.ts';

/** What the server takes in one upload (files/routes.ts); said before anything is sent. */
const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

export type FileTransferParts = {
  dock: HTMLElement;
  /** The picker inputs: files, and a folder's (`webkitdirectory`). */
  pickers: HTMLInputElement[];
  form: HTMLFormElement;
  path: HTMLInputElement;
  progress: HTMLProgressElement;
  /** Where each transfer's outcome is said. */
  status: HTMLElement;
};

export class FileTransfer {
  readonly #parts: FileTransferParts;
  readonly #terminal: () => string;
  #busy = false;

  constructor(parts: FileTransferParts, terminal: () => string) {
    this.#parts = parts;
    this.#terminal = terminal;
    for (const picker of parts.pickers) {
      // Not in the markup: Astro's types do not know the attribute, every browser does.
      if (picker.dataset.filesPick === 'folder') picker.webkitdirectory = true;
      picker.addEventListener('change', () => {
        const files = [...(picker.files ?? [])];
        picker.value = '';
        void this.upload(files.map((file) => ({ file, path: file.webkitRelativePath || file.name })));
      });
    }
    parts.dock.addEventListener('dragover', (event) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      parts.dock.dataset.dropping = '';
    });
    parts.dock.addEventListener('dragleave', (event) => {
      if (!parts.dock.contains(event.relatedTarget as Node | null)) delete parts.dock.dataset.dropping;
    });
    parts.dock.addEventListener('drop', (event) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      delete parts.dock.dataset.dropping;
      void droppedFiles(event.dataTransfer).then((files) => this.upload(files));
    });
    parts.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.download(parts.path.value.trim());
    });
  }

  /** Packs `files` and sends them to where the shown terminal's shell is. */
  async upload(files: { file: File; path: string }[]): Promise<void> {
    if (files.length === 0 || this.#busy) return;
    const size = files.reduce((total, { file }) => total + file.size, 0);
    if (size > MAX_UPLOAD_BYTES) {
      this.#say(
        `Those files hold ${megabytes(size)}; an upload may hold ${megabytes(MAX_UPLOAD_BYTES)}.`,
        true,
      );
      return;
    }
    this.#busy = true;
    try {
      const entries: TarEntry[] = [];
      for (const folder of foldersOf(files.map(({ path }) => path))) entries.push({ path: folder });
      // The files themselves go into the archive's Blob: the browser reads them as it sends.
      for (const { file, path } of files) entries.push({ path, data: file, mtime: file.lastModified });
      const archive = tarOf(entries);
      this.#say(`Uploading ${countOf(files.length, 'file')}…`);
      const answer = await this.#send(archive);
      const left = answer.skipped.length;
      this.#say(
        left === 0
          ? `${countOf(files.length, 'file')} placed in ${answer.directory}.`
          : `Placed in ${answer.directory}, but for ${answer.skipped.join(', ')}: a name that leaves the folder.`,
      );
    } catch (error) {
      this.#say(`Nothing was uploaded: ${(error as Error).message}`, true);
    } finally {
      this.#busy = false;
      this.#parts.progress.hidden = true;
    }
  }

  /** The file or folder at `path` in the sandbox, saved as `<name>.tar`. */
  async download(path: string): Promise<void> {
    if (!path || this.#busy) return;
    this.#busy = true;
    const { progress } = this.#parts;
    try {
      this.#say(`Packing ${path}…`);
      const query = new URLSearchParams({ path, terminal: this.#terminal() });
      const response = await fetch(sessionPath(`/files?${query}`), { credentials: 'same-origin' });
      if (!response.ok) throw new Error((await errorOf(response)).message);
      // Streamed as it is packed: progress is the bytes so far, its end unknown.
      progress.removeAttribute('value');
      progress.hidden = false;
      const blob = await response.blob();
      const name =
        /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'files.tar';
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = name;
      link.click();
      window.setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      this.#say(`${name} downloaded (${megabytes(blob.size)}).`);
    } catch (error) {
      this.#say(`Nothing was downloaded: ${(error as Error).message}`, true);
    } finally {
      this.#busy = false;
      progress.hidden = true;
    }
  }

  /** PUT with XMLHttpRequest, which alone tells how much of a body was sent. */
  #send(archive: Blob): Promise<{ directory: string; skipped: string[] }> {
    const { progress } = this.#parts;
    progress.value = 0;
    progress.max = archive.size;
    progress.hidden = false;
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('PUT', sessionPath(`/files?${new URLSearchParams({ terminal: this.#terminal() })}`));
      request.setRequestHeader('Content-Type', 'application/x-tar');
      request.upload.addEventListener('progress', (event) => {
        progress.value = event.loaded;
      });
      request.addEventListener('load', async () => {
        const answer = new Response(request.responseText, { status: request.status });
        if (request.status !== 200) {
          reject(new Error((await errorOf(answer)).message));
          return;
        }
        const body = (await answer.json().catch(() => ({}))) as { directory?: unknown; skipped?: unknown };
        if (typeof body.directory !== 'string')
          reject(new Error('the server did not say where the files went'));
        else resolve({ directory: body.directory, skipped: Array.isArray(body.skipped) ? body.skipped : [] });
      });
      request.addEventListener('error', () => reject(new Error('the connection failed')));
      request.send(archive);
    });
  }

  #say(text: string, failed = false): void {
    const { status } = this.#parts;
    status.textContent = text;
    status.hidden = false;
    status.toggleAttribute('data-failed', failed);
  }
}

/** Every folder the paths pass through, parents first, each once: `a/b/c.txt` gives a/, a/b/. */
export function foldersOf(paths: string[]): string[] {
  const folders = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) folders.add(`${parts.slice(0, i).join('/')}/`);
  }
  return [...folders];
}

/** The files of a drop, folders walked (as far as the browser lets a page see them). */
async function droppedFiles(data: DataTransfer): Promise<{ file: File; path: string }[]> {
  const entries = [...data.items]
    .map((item) => item.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return [...data.files].map((file) => ({ file, path: file.name }));
  const found: { file: File; path: string }[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) =>
        (entry as FileSystemFileEntry).file(resolve, reject),
      );
      found.push({ file, path: `${prefix}${entry.name}` });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries answers in batches until it answers none.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
          reader.readEntries(resolve, reject),
        );
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  return found;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
const countOf = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
