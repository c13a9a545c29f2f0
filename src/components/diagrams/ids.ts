// Ids for <title>, <desc> and arrow markers must be unique on a page, even when a
// diagram appears twice. A module-level counter does that, and unlike a random
// UUID it gives the same HTML on every build, so diffs of dist/ stay quiet.
let count = 0;

export function diagramId(name: string): string {
  count += 1;
  return `${name}-${count}`;
}
