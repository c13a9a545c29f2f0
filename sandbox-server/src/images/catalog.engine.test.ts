import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageRunner, poll, removeTestContainers } from '../testing/run-image.ts';
import { inspectImage } from './build.ts';
import { CATALOG_IMAGES, ensureCatalog } from './catalog.ts';

const docker = new Docker();
const prefix = `berth-catalog-test-${randomUUID().slice(0, 8)}`;
const labels = { 'berth.test': 'images' };
const run = imageRunner(docker, prefix, labels);

describe('the catalog', () => {
  beforeAll(async () => {
    await ensureCatalog({ docker, log: () => {} });
  });

  afterAll(() => removeTestContainers(docker, prefix));

  it('labels every image as a Berth stand-in built from Debian packages', async () => {
    for (const { local } of CATALOG_IMAGES) {
      const found = (await inspectImage(docker, local))?.Config.Labels ?? {};
      expect(found['org.opencontainers.image.vendor'], local).toBe('Berth');
      expect(found['org.opencontainers.image.description'], local).toMatch(
        /Berth stand-in.*Debian packages.*not the Docker Hub image/,
      );
      expect(found['org.opencontainers.image.source'], local).toMatch(/Debian/);
    }
  });

  it('has a hello-world of a few KB that explains what just happened', async () => {
    const { output, exitCode } = await run('berth/catalog/hello-world:latest', []);
    expect(exitCode).toBe(0);
    expect(output).toContain('Hello from Docker, in your Berth sandbox!');
    expect(output).toContain("Berth's local registry mirror");
    expect(output).toContain('docker run -it debian bash');
    expect(output).toContain('/commands/');
    expect((await inspectImage(docker, 'berth/catalog/hello-world:latest'))?.Size).toBeLessThan(100_000);
  });

  it('has a busybox whose applets work', async () => {
    const { output, exitCode } = await run('berth/catalog/busybox:latest', [
      'sh',
      '-c',
      'wget --help >/dev/null 2>&1; ip addr',
    ]);
    expect(exitCode).toBe(0);
    expect(output).toMatch(/inet 127\.0\.0\.1\/8/);
  });

  it('has debian images with bash, trixie and bookworm', async () => {
    const trixie = await run('berth/catalog/debian:latest', ['bash', '-c', 'cat /etc/debian_version']);
    expect(trixie.output).toMatch(/^13\./);
    const bookworm = await run('berth/catalog/debian:bookworm', ['bash', '-c', 'cat /etc/debian_version']);
    expect(bookworm.output).toMatch(/^12\./);
  });

  it('has an nginx that serves its welcome page to another container by name', async () => {
    await docker.createNetwork({ Name: prefix, Labels: labels });
    const web = await docker.createContainer({
      name: `${prefix}-web`,
      Image: 'berth/catalog/nginx:latest',
      Labels: labels,
      HostConfig: { NetworkMode: prefix },
      NetworkingConfig: { EndpointsConfig: { [prefix]: { Aliases: ['web'] } } },
    });
    await web.start();
    let page = '';
    await poll(async () => {
      const fetched = await run('berth/catalog/busybox:latest', ['wget', '-qO-', 'http://web'], prefix);
      page = fetched.output;
      return fetched.exitCode === 0;
    }, 'nginx to answer');
    expect(page.split('\n').slice(0, 4)).toEqual([
      '<!DOCTYPE html>',
      '<html>',
      '<head>',
      '<title>Welcome to nginx!</title>',
    ]);
    expect(page).toContain('offline stand-in');
    // Access log on the container's output, as with Docker Hub's image.
    const logs = (await web.logs({ stdout: true, stderr: true })).toString();
    expect(logs).toMatch(/"GET \/ HTTP\/1\.1" 200/);
  });

  // Docker Hub's "How to use this image" for python: a script of one's own run with the image's
  // python, and pip installing as root; the interpreter by default.
  it('has a python whose python, pip and venv work as Docker Hub’s image documents', async () => {
    const script = await run('berth/catalog/python:3', [
      'sh',
      '-c',
      'python -c "import sys; print(sys.version_info[:2])" && pip --version && python -m venv /tmp/v && /tmp/v/bin/python -c "print(42)"',
    ]);
    expect(script.exitCode, script.output).toBe(0);
    expect(script.output).toMatch(/\(3, 13\)/);
    expect(script.output).toMatch(/^pip \d+/m);
    expect(script.output).toMatch(/^42$/m);
    const image = await inspectImage(docker, 'berth/catalog/python:3-slim');
    expect(image?.Config.Cmd).toEqual(['python3']);
    // pip may install into the image itself, as root does in Docker Hub's (no PEP 668 refusal).
    const install = await run('berth/catalog/python:3', [
      'sh',
      '-c',
      'pip install --no-index --no-deps /nonexistent 2>&1; true',
    ]);
    expect(install.output).not.toMatch(/externally-managed-environment/);
    // With no package index in reach, pip's own error, then what works here instead.
    const offline = await run('berth/catalog/python:3', ['pip', 'install', 'flask'], 'none');
    expect(offline.exitCode).not.toBe(0);
    expect(offline.output).toMatch(/No matching distribution found for flask/);
    expect(offline.output).toMatch(
      /pip cannot reach the Python Package Index[\s\S]*apt-get install -y python3-flask/,
    );
  });

  // Docker Hub's "How to use this image" for node: a script of one's own run with the image's node
  // as the node user, npm beside it, the REPL by default.
  it('has a node whose node, npm and node user work as Docker Hub’s image documents', async () => {
    const app = await run('berth/catalog/node:20', [
      'sh',
      '-c',
      'cd /tmp && echo \'{"name":"app","scripts":{"start":"node -e \\"console.log(6*7)\\""}}\' > package.json && su node -c "node --version && cd /tmp && npm start --silent"',
    ]);
    expect(app.exitCode, app.output).toBe(0);
    expect(app.output).toMatch(/^v20\./m);
    expect(app.output).toMatch(/^42$/m);
    const image = await inspectImage(docker, 'berth/catalog/node:lts');
    expect(image?.Config.Cmd).toEqual(['node']);
    // With no registry in reach, npm fails at once (it does not retry) and says what works here instead.
    const offline = await run(
      'berth/catalog/node:20',
      ['sh', '-c', 'cd /tmp && npm install express'],
      'none',
    );
    expect(offline.exitCode).not.toBe(0);
    expect(offline.output).toMatch(/npm cannot reach the npm registry[\s\S]*apt-get install -y node-express/);
    expect(
      (await run('berth/catalog/node:20', ['npm', 'config', 'get', 'fetch-retries'])).output.trim(),
    ).toBe('0');
  });

  // Docker Hub's "How to use this image" for redis: a server another container reaches by name
  // with redis-cli, options after the image passed to the server, data in /data.
  it('has a redis that another container reaches, taking options as Docker Hub’s image documents', async () => {
    const network = `${prefix}-redis`;
    await docker.createNetwork({ Name: network, Labels: labels });
    const server = await docker.createContainer({
      name: `${prefix}-some-redis`,
      Image: 'berth/catalog/redis:latest',
      Cmd: ['redis-server', '--save', '60', '1', '--loglevel', 'warning'],
      Labels: labels,
      HostConfig: { NetworkMode: network },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ['some-redis'] } } },
    });
    await server.start();
    let answer = '';
    await poll(async () => {
      const cli = await run(
        'berth/catalog/redis:latest',
        ['redis-cli', '-h', 'some-redis', 'SET', 'greeting', 'hello'],
        network,
      );
      answer = cli.output;
      return cli.exitCode === 0 && /OK/.test(cli.output);
    }, 'redis to answer');
    expect(answer).toMatch(/OK/);
    const got = await run(
      'berth/catalog/redis:latest',
      ['redis-cli', '-h', 'some-redis', 'GET', 'greeting'],
      network,
    );
    expect(got.output.trim()).toBe('hello');
    const save = await run(
      'berth/catalog/redis:latest',
      ['redis-cli', '-h', 'some-redis', 'CONFIG', 'GET', 'save'],
      network,
    );
    expect(save.output).toMatch(/60 1/);
    const version = await run('berth/catalog/redis:8', ['--version']);
    expect(version.output).toMatch(/^Redis server v=8\./);
    const info = await server.inspect();
    expect(info.Config.WorkingDir).toBe('/data');
    expect(Object.keys(info.Config.Volumes ?? {})).toContain('/data');
    await server.remove({ force: true, v: true });
    await docker.getNetwork(network).remove();
  });

  // Docker Hub's "How to use this image" for httpd: content mounted (or copied) over
  // /usr/local/apache2/htdocs, the configuration taken out with cat and put back changed, and
  // `apachectl start` backgrounding the server inside a command of one's own.
  it('serves htdocs and its own configuration where Docker Hub’s httpd keeps them', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'berth-httpd-'));
    try {
      const stock = await run('berth/catalog/httpd:2.4', ['cat', '/usr/local/apache2/conf/httpd.conf']);
      expect(stock.output).toMatch(/^Listen 80$/m);
      await writeFile(path.join(dir, 'httpd.conf'), stock.output.replace(/^Listen 80$/m, 'Listen 8080'));
      await writeFile(path.join(dir, 'index.html'), '<p>from htdocs</p>\n');
      // Apache's children (www-data) read it, as from a checkout; mkdtemp makes it the owner's only.
      await chmod(dir, 0o755);
      const network = `${prefix}-httpd`;
      await docker.createNetwork({ Name: network, Labels: labels });
      const start = async (name: string, cmd: string[] | undefined, binds: string[]) => {
        const container = await docker.createContainer({
          name: `${prefix}-${name}`,
          Image: 'berth/catalog/httpd:latest',
          Cmd: cmd,
          Labels: labels,
          HostConfig: { NetworkMode: network, Binds: binds },
          NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [name] } } },
        });
        await container.start();
        return container;
      };
      const fetch = async (url: string) => {
        let page = '';
        await poll(async () => {
          const fetched = await run('berth/catalog/busybox:latest', ['wget', '-qO-', url], network);
          page = fetched.output;
          return fetched.exitCode === 0;
        }, `httpd at ${url}`);
        return page;
      };
      const mounted = await start('my-apache-app', undefined, [`${dir}:/usr/local/apache2/htdocs/:ro`]);
      expect(await fetch('http://my-apache-app/')).toBe('<p>from htdocs</p>\n');
      const logs = (await mounted.logs({ stdout: true, stderr: true })).toString();
      expect(logs).toMatch(/"GET \/ HTTP\/1\.[01]" 200/);
      const configured = await start('configured', undefined, [
        `${dir}/httpd.conf:/usr/local/apache2/conf/httpd.conf:ro`,
      ]);
      expect(await fetch('http://configured:8080/')).toContain('<h1>It works!</h1>');
      const backgrounded = await start(
        'backgrounded',
        ['sh', '-c', 'apachectl start && tail -f /dev/null'],
        [],
      );
      expect(await fetch('http://backgrounded/')).toContain('<h1>It works!</h1>');
      // The engine's ps needs a pid column; user names would be the host's, so uids are compared.
      const top = (await backgrounded.top({ ps_args: '-o pid,uid,args' })) as { Processes: string[][] };
      const wwwData = (await run('berth/catalog/httpd:latest', ['id', '-u', 'www-data'])).output.trim();
      expect(top.Processes.some(([, uid, args]) => uid === wwwData && /apache2/.test(args ?? ''))).toBe(true);
      const image = await inspectImage(docker, 'berth/catalog/httpd:2');
      expect(image?.Config.Cmd).toEqual(['httpd-foreground']);
      expect(image?.Config.WorkingDir).toBe('/usr/local/apache2');
      expect(Object.keys(image?.Config.ExposedPorts ?? {})).toEqual(['80/tcp']);
      expect((image?.Config as { StopSignal?: string } | undefined)?.StopSignal).toBe('SIGWINCH');
      await Promise.all([mounted, configured, backgrounded].map((c) => c.remove({ force: true })));
      await docker.getNetwork(network).remove();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // Docker Hub's "How to use this image" for nginx: static content mounted over
  // /usr/share/nginx/html, and templates in /etc/nginx/templates filled from the environment.
  it('serves content put where Docker Hub’s nginx serves it, and fills config templates from the environment', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'berth-nginx-'));
    try {
      await writeFile(path.join(dir, 'index.html'), '<p>mounted content</p>\n');
      await writeFile(
        path.join(dir, 'default.conf.template'),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the template's own syntax, which the image fills in
        'server {\n  listen ${NGINX_PORT};\n  location / { root /usr/share/nginx/html; try_files $uri /index.html; }\n}\n',
      );
      const network = `${prefix}-use`;
      await docker.createNetwork({ Name: network, Labels: labels });
      const web = await docker.createContainer({
        name: `${prefix}-use-web`,
        Image: 'berth/catalog/nginx:latest',
        Labels: labels,
        Env: ['NGINX_PORT=8080'],
        HostConfig: {
          NetworkMode: network,
          Binds: [
            `${dir}/index.html:/usr/share/nginx/html/index.html:ro`,
            `${dir}/default.conf.template:/etc/nginx/templates/default.conf.template:ro`,
          ],
        },
        NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ['web'] } } },
      });
      await web.start();
      let page = '';
      await poll(async () => {
        const fetched = await run(
          'berth/catalog/busybox:latest',
          ['wget', '-qO-', 'http://web:8080/any/path'],
          network,
        );
        page = fetched.output;
        return fetched.exitCode === 0;
      }, 'nginx on the templated port');
      expect(page).toBe('<p>mounted content</p>\n');
      await web.remove({ force: true });
      await docker.getNetwork(network).remove();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
