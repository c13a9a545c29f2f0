import type { Element, Root } from 'hast';
import { visit } from 'unist-util-visit';

type MdxAttribute = { type: string; name?: string; value?: unknown };
type MdxElement = { type: 'mdxJsxFlowElement' | 'mdxJsxTextElement'; attributes: MdxAttribute[] };

/** A root-relative link under `base`; other links as they are. */
export function underBase(href: string, base: string): string {
  if (!href.startsWith('/') || href.startsWith('//') || base === '/') return href;
  const prefix = base.replace(/\/$/, '');
  return href === prefix || href.startsWith(`${prefix}/`) ? href : `${prefix}${href}`;
}

/**
 * Puts the site's base path in front of the root-relative links of its pages, in Markdown links
 * and in components' `href` props alike, so authors write `/commands/` whatever the base.
 */
export function rehypeBasePath(base: string) {
  return (tree: Root) => {
    if (base === '/') return;
    visit(tree, (node) => {
      // MDX's JSX nodes are not in hast's types.
      const type: string = node.type;
      if (type === 'element') {
        const element = node as Element;
        for (const name of ['href', 'src']) {
          const value = element.properties?.[name];
          if (typeof value === 'string') element.properties[name] = underBase(value, base);
        }
      } else if (type === 'mdxJsxFlowElement' || type === 'mdxJsxTextElement') {
        for (const attribute of (node as unknown as MdxElement).attributes) {
          if (attribute.name === 'href' && typeof attribute.value === 'string') {
            attribute.value = underBase(attribute.value, base);
          }
        }
      }
    });
  };
}
