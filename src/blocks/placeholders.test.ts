import { describe, expect, it } from 'vitest';
import { blockPlaceholders, fillPlaceholders, placeholdersIn } from './placeholders.ts';

describe('placeholders', () => {
  it('finds the words tutorials leave for the reader to replace', () => {
    expect(placeholdersIn('docker stop <the-container-id>')).toEqual(['<the-container-id>']);
    expect(placeholdersIn('docker exec -it <container name> sh')).toEqual(['<container name>']);
    expect(placeholdersIn('docker tag app YOUR-USER-NAME/app && docker login -p YOUR_TOKEN')).toEqual([
      'YOUR-USER-NAME',
      'YOUR_TOKEN',
    ]);
    expect(placeholdersIn('docker logs <id> && docker rm <id>')).toEqual(['<id>']);
  });

  it('leaves redirections, heredocs, here-strings and markup alone', () => {
    expect(placeholdersIn('sort < names.txt > sorted.txt')).toEqual([]);
    expect(placeholdersIn('cat <<<"$value"')).toEqual([]);
    expect(placeholdersIn("echo '<h1>Hello from Berth</h1>' > index.html")).toEqual([]);
    expect(placeholdersIn("cat > index.html <<'EOF'\n<my-app>hi</my-app>\nEOF")).toEqual([]);
    expect(placeholdersIn('docker ps --format "{{.Names}}"')).toEqual([]);
  });

  it('gathers a block’s, its programs’ lines too, and fills them in', () => {
    expect(blockPlaceholders(['docker attach <name>'], [['echo <name>', 'exit']])).toEqual(['<name>']);
    const values = new Map([['<the-container-id>', '3f2a1b']]);
    expect(fillPlaceholders('docker stop <the-container-id> && docker rm <the-container-id>', values)).toBe(
      'docker stop 3f2a1b && docker rm 3f2a1b',
    );
  });
});
