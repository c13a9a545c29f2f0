/**
 * What the live diagrams share: a custom element around a Diagram.astro figure that shows the
 * example drawing until the reader's sandbox is ready, then the scene its subclass builds from the
 * sandbox, redrawn after every command, and the example again once the sandbox ends. The SVG's
 * title and desc, the words alternative and the visible note always match what is drawn.
 */
import { drawing, wordsElement } from './draw-scene.ts';
import { sandboxEnded, watchSandbox } from './sandbox-watch.ts';
import type { Scene } from './scene.ts';
import { ViewUnavailable } from './views-api.ts';

const LIVE_NOTE = 'Your sandbox, live: redrawn after every command.';
/** Long enough for a screen reader to pick the sentence up; then the region is emptied. */
const ANNOUNCE_MS = 4000;

type Parts = {
  svg: SVGSVGElement;
  title: SVGTitleElement;
  desc: SVGDescElement;
  details: HTMLDetailsElement;
  note: HTMLElement;
  status: HTMLElement;
  controls: HTMLElement | null;
};

type Example = { drawing: Node[]; words: Node[]; viewBox: string; title: string; desc: string; note: string };

export abstract class LiveDiagram extends HTMLElement {
  protected parts?: Parts;
  private example?: Example;
  /** Bumped when the example comes back, so a scene still on its way is dropped. */
  private generation = 0;
  private refreshing = false;
  private again = false;
  private announced = '';
  private announceTimer?: number;

  /** Reads the sandbox and lays out what to draw. */
  protected abstract scene(): Promise<Scene>;

  /** Wires the figure's controls, once: an element moved in the page is connected again. */
  protected wireControls(): void {}

  connectedCallback(): void {
    if (this.parts) return;
    const figure = this.querySelector('figure.diagram');
    const svg = figure?.querySelector('svg');
    const title = svg?.querySelector<SVGTitleElement>(':scope > title');
    const desc = svg?.querySelector<SVGDescElement>(':scope > desc');
    const details = figure?.querySelector('details');
    const note = figure?.querySelector<HTMLElement>('[data-live-note]');
    const status = figure?.querySelector<HTMLElement>('[data-live-status]');
    if (!svg || !title || !desc || !details || !note || !status) return;
    this.parts = {
      svg,
      title,
      desc,
      details,
      note,
      status,
      controls: figure?.querySelector<HTMLElement>('[data-live-controls]') ?? null,
    };
    this.example = {
      drawing: [...svg.childNodes].filter((node) => !['title', 'desc', 'defs'].includes(node.nodeName)),
      words: [...details.childNodes].filter((node) => node.nodeName !== 'SUMMARY'),
      viewBox: svg.getAttribute('viewBox') ?? '',
      title: title.textContent ?? '',
      desc: desc.textContent ?? '',
      note: note.textContent ?? '',
    };
    this.dataset.showing = 'example';
    this.wireControls();
    watchSandbox({
      ready: () => this.refresh(),
      changed: () => this.refresh(),
      ended: () => this.showExample(),
    });
  }

  /** Redraws from the sandbox: one read at a time, and one more if asked while reading. */
  protected refresh(): void {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    void (async () => {
      do {
        this.again = false;
        const generation = this.generation;
        try {
          const scene = await this.scene();
          if (generation === this.generation) this.show(scene);
        } catch (error) {
          if (generation === this.generation) this.failed(error);
        }
      } while (this.again);
      this.refreshing = false;
    })();
  }

  private show(scene: Scene): void {
    const parts = this.parts;
    if (!parts) return;
    const { svg, details } = parts;
    for (const node of this.example?.drawing ?? []) node.parentNode?.removeChild(node);
    for (const node of this.example?.words ?? []) node.parentNode?.removeChild(node);
    svg.querySelector(':scope > [data-live-drawing]')?.remove();
    details.querySelector(':scope > [data-live-words]')?.remove();
    svg.append(drawing(scene));
    svg.setAttribute('viewBox', `0 0 ${scene.width} ${scene.height}`);
    parts.title.textContent = scene.title;
    parts.desc.textContent = scene.desc;
    details.append(wordsElement(scene.words));
    parts.note.textContent = LIVE_NOTE;
    if (parts.controls) parts.controls.hidden = false;
    this.dataset.showing = 'live';
    if (scene.desc !== this.announced) {
      this.announced = scene.desc;
      this.announce(scene.summary);
    }
  }

  /** Back to the example drawing, with why when it is not simply that there is no sandbox. */
  protected showExample(why?: string): void {
    this.generation += 1;
    const parts = this.parts;
    const example = this.example;
    if (!parts || !example) return;
    const { svg, details } = parts;
    const wasLive = this.dataset.showing === 'live';
    svg.querySelector(':scope > [data-live-drawing]')?.remove();
    details.querySelector(':scope > [data-live-words]')?.remove();
    svg.append(...example.drawing);
    details.append(...example.words);
    svg.setAttribute('viewBox', example.viewBox);
    parts.title.textContent = example.title;
    parts.desc.textContent = example.desc;
    parts.note.textContent = why ? `${why} ${example.note}` : example.note;
    if (parts.controls) parts.controls.hidden = true;
    this.dataset.showing = 'example';
    this.announced = '';
    if (wasLive) this.announce('The diagram shows the example drawing again.');
  }

  private failed(error: unknown): void {
    if (error instanceof ViewUnavailable && error.code === 'no_session') {
      sandboxEnded();
      this.showExample();
    } else if (error instanceof ViewUnavailable && error.code === 'sandbox_starting') {
      this.showExample('Your sandbox is starting.');
    } else if (error instanceof ViewUnavailable && /^sandbox_engine_(idle|starting)$/.test(error.code)) {
      // Docker starts on its first use: not a failure, and the server's words say which it is.
      this.showExample(error.message);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      this.showExample(`Your sandbox could not be read (${message.replace(/\.$/, '')}).`);
    }
  }

  private announce(text: string): void {
    const status = this.parts?.status;
    if (!status) return;
    window.clearTimeout(this.announceTimer);
    status.textContent = text;
    this.announceTimer = window.setTimeout(() => {
      status.textContent = '';
    }, ANNOUNCE_MS);
  }
}
