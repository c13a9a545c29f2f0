import { describe, expect, it } from 'vitest';
import { choose, imageLabel, imageOf } from './layers-choice.ts';
import type { Container, Image } from './views-api.ts';

const image = (tags: string[], id: string, created: string): Image => ({ id, tags, size: 1, created });
const nginx = image(['nginx:latest'], 'aaaaaaaaaaaa', '2025-03-01T00:00:00Z');
const busybox = image(['busybox:latest'], 'bbbbbbbbbbbb', '2025-01-01T00:00:00Z');
const built = image(['petergdoyle/static_nginx_web:latest'], 'cccccccccccc', '2025-06-01T00:00:00Z');
const untagged = image([], 'dddddddddddd', '2024-01-01T00:00:00Z');
/** Newest first, as the server lists them. */
const images = [built, nginx, busybox, untagged];

const container = (name: string, imageName: string, state = 'running'): Container => ({
  id: `${name}xxxxxxxxxxxx`.slice(0, 12),
  name,
  image: imageName,
  state,
  status: '',
  ports: [],
  endpoints: [],
});

describe('what the layers diagram shows', () => {
  it('before any pick: the most recent running container, on its image', () => {
    const containers = [
      container('old', 'busybox', 'exited'),
      container('web', 'nginx'),
      container('sleeper', 'busybox'),
    ];
    const choice = choose(images, containers, {});
    expect(choice.container?.name).toBe('web');
    expect(choice.image).toBe('nginx:latest');
  });

  it('with no running container: the most recently created image', () => {
    expect(choose(images, [container('old', 'busybox', 'exited')], {})).toEqual({
      image: 'petergdoyle/static_nginx_web:latest',
    });
    expect(choose([], [], {})).toEqual({});
  });

  it('takes the server’s order as the age: its first image is the newest', () => {
    expect(choose([busybox, built], [], {})).toEqual({ image: 'busybox:latest' });
  });

  it('a picked image is shown alone, as long as it exists', () => {
    const containers = [container('web', 'nginx')];
    expect(choose(images, containers, { image: 'busybox:latest', container: '' })).toEqual({
      image: 'busybox:latest',
    });
    expect(choose(images, containers, { image: 'gone:latest', container: '' }).image).toBe(
      'petergdoyle/static_nginx_web:latest',
    );
  });

  it('a picked container is shown on its image, even a stopped one', () => {
    const containers = [container('web', 'nginx'), container('old', 'busybox:latest', 'exited')];
    const choice = choose(images, containers, { image: 'nginx:latest', container: 'old' });
    expect(choice.container?.name).toBe('old');
    expect(choice.image).toBe('busybox:latest');
  });

  it('finds a container’s image by tag or by id, else asks for the name it was made from', () => {
    expect(imageOf(container('a', 'nginx'), images)).toBe(nginx);
    expect(imageOf(container('b', 'sha256:dddddddddddd0000'), images)).toBe(untagged);
    expect(choose(images, [container('c', 'removed:1')], {}).image).toBe('removed:1');
  });

  it('labels untagged images by id', () => {
    expect(imageLabel(untagged)).toBe('untagged dddddddddddd');
    expect(imageLabel(nginx)).toBe('nginx:latest');
  });
});
