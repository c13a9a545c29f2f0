/**
 * <berth-layers-view>: the layers diagram, drawn from the reader's own sandbox once it runs: the
 * layers of one of their images, and on top the read-write layer of one of their containers with
 * the files it changed. Two selects choose which.
 */
import { choose, imageLabel, imageRef, type Picks } from './layers-choice.ts';
import { LiveDiagram } from './live-diagram.ts';
import type { Scene } from './scene.ts';
import {
  type Container,
  fetchChanges,
  fetchContainers,
  fetchImages,
  fetchLayers,
  type Image,
} from './views-api.ts';

/** Replaces a select's options only when they changed, so an open select is left alone. */
function setOptions(
  select: HTMLSelectElement,
  options: { value: string; label: string }[],
  value: string,
): void {
  const wanted = JSON.stringify(options);
  if (select.dataset.options !== wanted) {
    select.dataset.options = wanted;
    select.replaceChildren(
      ...options.map((option) => {
        const element = document.createElement('option');
        element.value = option.value;
        element.textContent = option.label;
        return element;
      }),
    );
  }
  select.value = value;
}

class LayersView extends LiveDiagram {
  private picks: Picks = {};
  private shownImage?: string;

  private get imageSelect(): HTMLSelectElement | null {
    return this.querySelector('select[data-live-image]');
  }

  private get containerSelect(): HTMLSelectElement | null {
    return this.querySelector('select[data-live-container]');
  }

  protected wireControls(): void {
    this.imageSelect?.addEventListener('change', (event) => {
      // An image picked on its own is shown on its own.
      this.picks = { image: (event.target as HTMLSelectElement).value, container: '' };
      this.refresh();
    });
    this.containerSelect?.addEventListener('change', (event) => {
      const container = (event.target as HTMLSelectElement).value;
      this.picks = { image: container === '' ? this.shownImage : this.picks.image, container };
      this.refresh();
    });
  }

  /** Images in the server's order, newest first. */
  private fillSelects(images: Image[], containers: Container[], image?: string, container?: Container): void {
    const imageOptions = images.map((candidate) => ({
      value: imageRef(candidate),
      label: imageLabel(candidate),
    }));
    if (image && !imageOptions.some((option) => option.value === image))
      imageOptions.unshift({ value: image, label: image });
    if (this.imageSelect) setOptions(this.imageSelect, imageOptions, image ?? '');
    const containerOptions = [
      { value: '', label: 'none: the image alone' },
      ...containers.map((candidate) => ({
        value: candidate.name,
        label: `${candidate.name} (${candidate.state})`,
      })),
    ];
    if (this.containerSelect) setOptions(this.containerSelect, containerOptions, container?.name ?? '');
  }

  protected async scene(): Promise<Scene> {
    // The layout is loaded only once there is a sandbox to draw: reading pages stay small.
    const [{ layersScene, noImagesScene }, images, containers] = await Promise.all([
      import('./layers-layout.ts'),
      fetchImages(),
      fetchContainers(),
    ]);
    const choice = choose(images, containers, this.picks);
    this.fillSelects(images, containers, choice.image, choice.container);
    this.shownImage = choice.image;
    if (!choice.image) return noImagesScene();
    const [layers, changes] = await Promise.all([
      fetchLayers(choice.image),
      choice.container ? fetchChanges(choice.container.name) : undefined,
    ]);
    return layersScene({ ref: choice.image, layers: layers.layers, changes });
  }
}

if (!customElements.get('berth-layers-view')) customElements.define('berth-layers-view', LayersView);
