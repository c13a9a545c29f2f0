import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageRunner, poll, removeTestContainers } from '../testing/run-image.ts';
import { inspectImage } from './build.ts';
import { ensureCatalog } from './catalog.ts';

const docker = new Docker();
const prefix = `berth-databases-test-${randomUUID().slice(0, 8)}`;
const labels = { 'berth.test': 'images' };
const run = imageRunner(docker, prefix, labels);
const postgres = 'berth/catalog/postgres:latest';
const mariadb = 'berth/catalog/mariadb:latest';
const mysql = 'berth/catalog/mysql:8.0';
// initdb and mariadb-install-db take a few seconds on two cores; a client asks until then.
const serverStart = 60_000;

describe('the catalog’s databases', () => {
  beforeAll(async () => {
    await ensureCatalog({ docker, log: () => {} });
  });

  afterAll(() => removeTestContainers(docker, prefix));

  // Docker Hub's "How to use this image" for postgres: `docker run --name some-postgres -e
  // POSTGRES_PASSWORD=mysecretpassword -d postgres`, then psql from another container by name.
  it('has a postgres that another container reaches by name with psql, and that stops on SIGINT', async () => {
    const network = await createNetwork('postgres');
    const server = await serve('some-postgres', postgres, network, {
      env: ['POSTGRES_PASSWORD=mysecretpassword'],
    });
    const psql = ['psql', '-h', 'some-postgres', '-U', 'postgres', '-Atc'];
    const answer = await untilAnswered(postgres, [...psql, 'select 1'], network, [
      'PGPASSWORD=mysecretpassword',
    ]);
    expect(answer.trim()).toBe('1');
    const version = await run(postgres, [...psql, 'show server_version'], network, [
      'PGPASSWORD=mysecretpassword',
    ]);
    expect(version.output).toMatch(/^17\.\d+/);
    const wrong = await run(postgres, [...psql, 'select 1'], network, ['PGPASSWORD=not-it']);
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.output).toMatch(/password authentication failed for user "postgres"/);
    expect(await uidsOf(server)).toEqual(new Set([await uidIn(postgres, 'postgres')]));

    const image = await inspectImage(docker, 'berth/catalog/postgres:17');
    expect(image?.Config.Cmd).toEqual(['postgres']);
    expect(Object.keys(image?.Config.ExposedPorts ?? {})).toEqual(['5432/tcp']);
    expect(Object.keys(image?.Config.Volumes ?? {})).toEqual(['/var/lib/postgresql/data']);
    expect(image?.Config.Env).toContain('PGDATA=/var/lib/postgresql/data');
    expect((image?.Config as { StopSignal?: string } | undefined)?.StopSignal).toBe('SIGINT');

    // SIGINT is PostgreSQL's fast shutdown: docker stop ends it cleanly, well within its 10 s.
    await server.stop();
    expect((await server.inspect()).State.ExitCode).toBe(0);
    expect(await logsOf(server)).toMatch(/database system is shut down/);
    await server.remove({ force: true, v: true });
    await docker.getNetwork(network).remove();
  });

  // Docker Hub's "How to use this image" for postgres: POSTGRES_USER and POSTGRES_DB, scripts in
  // /docker-entrypoint-initdb.d run on the first start only, options after the image for the server.
  it('creates POSTGRES_USER and POSTGRES_DB and runs /docker-entrypoint-initdb.d once', async () => {
    const scripts = await initScripts({
      '01-schema.sql': "CREATE TABLE greeting (word text);\nINSERT INTO greeting VALUES ('hello');\n",
      '02-more.sh':
        'psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "INSERT INTO greeting VALUES (\'from sh\')"\n',
    });
    try {
      const network = await createNetwork('postgres-init');
      const server = await serve('db', postgres, network, {
        env: ['POSTGRES_PASSWORD=secret', 'POSTGRES_USER=app', 'POSTGRES_DB=appdb'],
        cmd: ['-c', 'max_connections=200'],
        binds: [`${scripts}:/docker-entrypoint-initdb.d:ro`],
      });
      const psql = ['psql', '-h', 'db', '-U', 'app', '-d', 'appdb', '-Atc'];
      const env = ['PGPASSWORD=secret'];
      const query =
        "select current_user, current_database(), string_agg(word, ',' order by word) from greeting";
      expect((await untilAnswered(postgres, [...psql, query], network, env)).trim()).toBe(
        'app|appdb|from sh,hello',
      );
      const setting = await run(postgres, [...psql, 'show max_connections'], network, env);
      expect(setting.output.trim()).toBe('200');

      // The same data directory again: started as it is, the scripts not run a second time.
      await server.stop();
      await server.start();
      expect(
        (await untilAnswered(postgres, [...psql, 'select count(*) from greeting'], network, env)).trim(),
      ).toBe('2');
      const logs = await logsOf(server);
      expect(logs.match(/running \/docker-entrypoint-initdb\.d\/01-schema\.sql/g)).toHaveLength(1);
      expect(logs).toMatch(/holds a database already/);
      await server.remove({ force: true, v: true });
      await docker.getNetwork(network).remove();
    } finally {
      await rm(scripts, { recursive: true, force: true });
    }
  });

  it('refuses to create a postgres database without POSTGRES_PASSWORD, unless told to trust', async () => {
    const refused = await run(postgres, []);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.output).toMatch(/POSTGRES_PASSWORD/);
    expect(refused.output).toMatch(/POSTGRES_HOST_AUTH_METHOD=trust/);

    const network = await createNetwork('postgres-trust');
    const server = await serve('db', postgres, network, { env: ['POSTGRES_HOST_AUTH_METHOD=trust'] });
    const answer = await untilAnswered(
      postgres,
      ['psql', '-h', 'db', '-U', 'postgres', '-Atc', 'select 1'],
      network,
    );
    expect(answer.trim()).toBe('1');
    await server.remove({ force: true, v: true });
    await docker.getNetwork(network).remove();
  });

  // Docker Hub's "How to use this image" for mariadb: `docker run --detach --name some-mariadb
  // --env MARIADB_ROOT_PASSWORD=my-secret-pw mariadb:latest`, options such as
  // --character-set-server after the image, and the client from another container by name.
  it('has a mariadb whose root another container reaches by name, taking options, stopping on SIGTERM', async () => {
    const network = await createNetwork('mariadb');
    const server = await serve('some-mariadb', mariadb, network, {
      env: ['MARIADB_ROOT_PASSWORD=my-secret-pw'],
      cmd: ['--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci'],
    });
    const client = [
      'mariadb',
      '-h',
      'some-mariadb',
      '-uroot',
      '-pmy-secret-pw',
      '--batch',
      '--skip-column-names',
    ];
    const answer = await untilAnswered(
      mariadb,
      [...client, '-e', 'select version(), @@character_set_server, @@collation_server'],
      network,
    );
    expect(answer).toMatch(/^11\.8\.\d+-MariaDB[^\t]*\tutf8mb4\tutf8mb4_unicode_ci$/m);
    const made = await run(mariadb, [...client, '-e', 'create database kept'], network);
    expect(made.exitCode, made.output).toBe(0);
    expect(await uidsOf(server)).toEqual(new Set([await uidIn(mariadb, 'mysql')]));
    // The server's log is the container's output.
    expect(await logsOf(server)).toMatch(/mariadbd: ready for connections/);

    const image = await inspectImage(docker, 'berth/catalog/mariadb:11');
    expect(image?.Config.Cmd).toEqual(['mariadbd']);
    expect(Object.keys(image?.Config.ExposedPorts ?? {})).toEqual(['3306/tcp']);
    expect(Object.keys(image?.Config.Volumes ?? {})).toEqual(['/var/lib/mysql']);

    await server.stop();
    expect((await server.inspect()).State.ExitCode).toBe(0);
    expect(await logsOf(server)).toMatch(/mariadbd: Shutdown complete/);
    await server.start();
    const kept = await untilAnswered(mariadb, [...client, '-e', 'show databases like "kept"'], network);
    expect(kept.trim()).toBe('kept');
    expect(await logsOf(server)).toMatch(/holds a database already/);
    await server.remove({ force: true, v: true });
    await docker.getNetwork(network).remove();
  });

  // Docker Hub's "How to use this image" for mysql: MYSQL_ROOT_PASSWORD, MYSQL_DATABASE, MYSQL_USER
  // and MYSQL_PASSWORD, the user given all on its database, scripts in /docker-entrypoint-initdb.d;
  // and the options of MySQL 8's own that tutorials pass, which MariaDB lets by.
  it('has a mysql whose MYSQL_ variables make a database and a user that another container reaches', async () => {
    const scripts = await initScripts({
      '01-schema.sql': "CREATE TABLE greeting (word text);\nINSERT INTO greeting VALUES ('hello');\n",
    });
    try {
      const network = await createNetwork('mysql');
      const server = await serve('some-mysql', mysql, network, {
        env: ['MYSQL_ROOT_PASSWORD=my-secret-pw', 'MYSQL_DATABASE=app', 'MYSQL_USER=u', 'MYSQL_PASSWORD=p'],
        cmd: ['--default-authentication-plugin=mysql_native_password', '--mysql-native-password=ON'],
        binds: [`${scripts}:/docker-entrypoint-initdb.d:ro`],
      });
      const user = ['mysql', '-h', 'some-mysql', '-u', 'u', '-pp', '--batch', '--skip-column-names'];
      const answer = await untilAnswered(mysql, [...user, '-e', 'select 1'], network);
      expect(answer.trim()).toBe('1');
      const databases = await run(mysql, [...user, '-e', 'show databases'], network);
      expect(databases.output.split('\n')).toContain('app');
      const greeting = await run(mysql, [...user, 'app', '-e', 'select word from greeting'], network);
      expect(greeting.output.trim()).toBe('hello');
      const other = await run(mysql, [...user, '-e', 'create database other'], network);
      expect(other.exitCode).not.toBe(0);
      expect(other.output).toMatch(/Access denied for user 'u'@'%'/);
      const root = await run(
        mysql,
        ['mysql', '-h', 'some-mysql', '-uroot', '-pmy-secret-pw', '-e', 'select current_user()'],
        network,
      );
      expect(root.output).toMatch(/root@%/);
      const ping = await run(
        mysql,
        ['mysqladmin', '-h', 'some-mysql', '-uroot', '-pmy-secret-pw', 'ping'],
        network,
      );
      expect(ping.output).toMatch(/mysqld is alive/);

      const image = await inspectImage(docker, 'berth/catalog/mysql:8');
      expect(image?.Config.Cmd).toEqual(['mariadbd']);
      expect(Object.keys(image?.Config.ExposedPorts ?? {})).toEqual(['3306/tcp']);
      expect(Object.keys(image?.Config.Volumes ?? {})).toEqual(['/var/lib/mysql']);
      await server.remove({ force: true, v: true });
      await docker.getNetwork(network).remove();
    } finally {
      await rm(scripts, { recursive: true, force: true });
    }
  });

  it('refuses to create a mysql database without a root password option, and prints a random one', async () => {
    const refused = await run('berth/catalog/mysql:latest', []);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.output).toMatch(/MYSQL_ROOT_PASSWORD/);
    expect(refused.output).toMatch(/MARIADB_ROOT_PASSWORD/);

    const network = await createNetwork('mysql-random');
    const server = await serve('db', mysql, network, { env: ['MYSQL_RANDOM_ROOT_PASSWORD=yes'] });
    let password = '';
    await poll(
      async () => {
        password = /GENERATED ROOT PASSWORD: (\S+)/.exec(await logsOf(server))?.[1] ?? '';
        return password !== '';
      },
      'the generated root password',
      serverStart,
    );
    const answer = await untilAnswered(
      mysql,
      ['mysql', '-h', 'db', '-uroot', `-p${password}`, '--batch', '--skip-column-names', '-e', 'select 1'],
      network,
    );
    expect(answer.trim()).toBe('1');
    await server.remove({ force: true, v: true });
    await docker.getNetwork(network).remove();
  });
});

async function createNetwork(name: string) {
  const network = `${prefix}-${name}`;
  await docker.createNetwork({ Name: network, Labels: labels });
  return network;
}

/** docker run -d --name NAME --network NETWORK IMAGE, reachable there as NAME. */
async function serve(
  name: string,
  image: string,
  network: string,
  options: { env?: string[]; cmd?: string[]; binds?: string[] } = {},
) {
  const container = await docker.createContainer({
    name: `${network}-${name}`,
    Image: image,
    Cmd: options.cmd,
    Env: options.env,
    Labels: labels,
    HostConfig: { NetworkMode: network, Binds: options.binds },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [name] } } },
  });
  await container.start();
  return container;
}

/** A folder for /docker-entrypoint-initdb.d, readable by the server's own user in the container. */
async function initScripts(files: Record<string, string>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-initdb-'));
  await chmod(dir, 0o755);
  for (const [name, content] of Object.entries(files)) {
    await writeFile(path.join(dir, name), content, { mode: 0o644 });
  }
  return dir;
}

/** The uids the container's processes run as: docker top's ps runs on the host, whose names differ. */
async function uidsOf(container: Docker.Container) {
  const top = (await container.top({ ps_args: '-o pid,uid' })) as { Processes: string[][] };
  return new Set(top.Processes.map(([, uid]) => uid));
}

async function uidIn(image: string, user: string) {
  return (await run(image, ['id', '-u', user])).output.trim();
}

async function logsOf(container: Docker.Container) {
  return (await container.logs({ stdout: true, stderr: true })).toString();
}

/** The output of CMD once it succeeds: a client asking until the server is up. */
async function untilAnswered(image: string, cmd: string[], network: string, env: string[] = []) {
  let last = { output: '', exitCode: -1 };
  try {
    await poll(
      async () => {
        last = await run(image, cmd, network, env);
        return last.exitCode === 0;
      },
      cmd.join(' '),
      serverStart,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; it last answered: ${last.output}`);
  }
  return last.output;
}
