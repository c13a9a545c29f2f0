/** The dock's markup, copied from the templates of src/components/dock/Dock.astro. */

/** A copy of one of the dock's templates, which every page with runnable blocks holds. */
export function cloneTemplate(id: string): DocumentFragment {
  const template = document.getElementById(id);
  if (!(template instanceof HTMLTemplateElement))
    throw new Error(`this page has no #${id} template (src/components/dock/Dock.astro)`);
  return document.importNode(template.content, true);
}

/** The element `selector` finds in the dock's markup, which must hold it. */
export function partOf<T extends Element = HTMLElement>(root: ParentNode, selector: string): T {
  const part = root.querySelector<T>(selector);
  if (!part) throw new Error(`the dock's markup has no ${selector} (src/components/dock/Dock.astro)`);
  return part;
}
