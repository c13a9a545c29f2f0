import { describe, expect, it } from 'vitest';
import { followsUntilInterrupted, parseConsoleBlock } from './console-block.ts';

describe('console blocks', () => {
  it('takes lines after either prompt as commands and the rest as output', () => {
    const block = parseConsoleBlock(
      ['$ docker images', 'REPOSITORY   TAG   IMAGE ID', '# systemctl start docker', 'started'].join('\n'),
    );
    expect(block.commands).toEqual(['docker images', 'systemctl start docker']);
    expect(block.lines).toEqual(['command', 'output', 'command', 'output']);
  });

  it('takes lines at a program’s prompt after the command that opened it as input to that program', () => {
    const block = parseConsoleBlock(
      [
        '$ docker run -it alpine sh',
        '/ # ls',
        'bin    dev    etc',
        '/ # exit',
        '$ docker exec -it web bash',
        'root@3f2a1b:/# cat /etc/hostname',
        '3f2a1b',
        '# exit',
        '$ python3',
        '>>> print(1 + 1)',
        '2',
        '# systemctl status docker',
      ].join('\n'),
    );
    expect(block.commands).toEqual([
      'docker run -it alpine sh',
      'docker exec -it web bash',
      'python3',
      'systemctl status docker',
    ]);
    expect(block.inputs).toEqual([['ls', 'exit'], ['cat /etc/hostname', 'exit'], ['print(1 + 1)'], []]);
    expect(block.lines).toEqual([
      'command',
      'input',
      'output',
      'input',
      'command',
      'input',
      'output',
      'input',
      'command',
      'input',
      'output',
      // python3 is no shell: a bare # after it is root's prompt on the host again
      'command',
    ]);
  });

  it('takes a question answered in the block as the answer to type', () => {
    const block = parseConsoleBlock(
      [
        '$ docker container prune',
        'WARNING! This will remove all stopped containers.',
        'Are you sure you want to continue? [y/N] y',
        'Total reclaimed space: 0B',
      ].join('\n'),
    );
    expect(block.commands).toEqual(['docker container prune']);
    expect(block.inputs).toEqual([['y']]);
  });

  it('takes a ^C line in the output as the Ctrl-C the reader pressed', () => {
    const block = parseConsoleBlock(
      [
        '$ docker attach john',
        '/ # ping paul',
        'PING paul (172.20.0.3): 56 data bytes',
        '^C',
        '$ ping -c 100 host',
        '^C',
      ].join('\n'),
    );
    expect(block.inputs).toEqual([['ping paul', '\x03'], ['\x03']]);
  });

  it('takes Node’s > prompt as input only after a command that opens a program', () => {
    const block = parseConsoleBlock(
      [
        '$ docker run -it --rm node:20',
        '> [1, 2].map(n => n * 2)',
        '[ 2, 4 ]',
        '> .exit',
        '$ cat notes.md',
        '> quoted',
      ].join('\n'),
    );
    expect(block.inputs).toEqual([['[1, 2].map(n => n * 2)', '.exit'], []]);
    expect(parseConsoleBlock(['$ node', '> 6 * 7', '42'].join('\n')).inputs).toEqual([['6 * 7']]);
  });

  it('knows the commands that run until the reader stops them', () => {
    for (const command of [
      'docker logs -f web',
      'docker logs --follow --tail 5 web',
      'docker container logs -ft web',
      'docker compose logs -f',
      'docker stats',
      'docker events',
      'tail -f /var/log/app.log',
      'ping 8.8.8.8',
      'docker exec box1 ping box2',
      'docker exec -it box1 ping -W 1 box2',
      'sudo tail -F /var/log/syslog',
      'watch docker ps',
      'docker ps; watch -n 1 docker ps',
    ])
      expect(followsUntilInterrupted(command), command).toBe(true);
    for (const command of [
      'docker logs web',
      'docker logs --tail 5 web',
      'docker stats --no-stream',
      'docker events --since 1m --until 0s',
      'tail -n 5 app.log',
      'ping -c 2 box2',
      'docker run --name follow-me nginx',
      'docker run -d --name apache_tail apache-server sh -c "apachectl start && tail -f /dev/null"',
      "docker run -d busybox sh -c 'ping localhost'",
      'until docker exec some-mysql mysqladmin ping -h 127.0.0.1 --silent; do sleep 1; done',
      'docker logs web | grep -i ping',
    ])
      expect(followsUntilInterrupted(command), command).toBe(false);
  });

  it('keeps # a root prompt after a command that opens nothing', () => {
    const block = parseConsoleBlock(['$ docker ps', '# systemctl restart docker'].join('\n'));
    expect(block.commands).toEqual(['docker ps', 'systemctl restart docker']);
    expect(block.inputs).toEqual([[], []]);
  });

  it('keeps backslash continuations with their command', () => {
    const block = parseConsoleBlock(
      ['$ docker run -d \\', '    -p 8080:80 \\', '    nginx', 'abc123'].join('\n'),
    );
    expect(block.commands).toEqual(['docker run -d \\\n    -p 8080:80 \\\n    nginx']);
    expect(block.lines).toEqual(['command', 'continuation', 'continuation', 'output']);
  });

  it('does not continue after an escaped backslash', () => {
    expect(parseConsoleBlock('$ echo a\\\\\nb').commands).toEqual(['echo a\\\\']);
  });

  it('keeps a heredoc body whole, quoted or not, even when it holds prompt-like lines', () => {
    const code = [
      "$ cat > Dockerfile <<'EOF'",
      'FROM debian:trixie',
      '# a comment, not a prompt',
      '$ not a prompt either',
      'EOF',
      '$ docker build -t demo .',
    ].join('\n');
    const block = parseConsoleBlock(code);
    expect(block.commands).toEqual([
      "cat > Dockerfile <<'EOF'\nFROM debian:trixie\n# a comment, not a prompt\n$ not a prompt either\nEOF",
      'docker build -t demo .',
    ]);
    expect(block.lines).toEqual([
      'command',
      'continuation',
      'continuation',
      'continuation',
      'continuation',
      'command',
    ]);
  });

  it('handles <<- with tab-indented delimiters, double quotes and two heredocs on one line', () => {
    expect(parseConsoleBlock('$ cat <<-END\n\tindented\n\tEND\nout').commands).toEqual([
      'cat <<-END\n\tindented\n\tEND',
    ]);
    expect(parseConsoleBlock('$ cat <<"X" - <<Y\nx\nX\ny\nY').commands).toEqual([
      'cat <<"X" - <<Y\nx\nX\ny\nY',
    ]);
  });

  it('does not mistake a here-string for a heredoc', () => {
    expect(parseConsoleBlock('$ cat <<<word\nword').commands).toEqual(['cat <<<word']);
  });

  it('reads a block with no prompt as output only, and a bare prompt as an empty command', () => {
    expect(parseConsoleBlock('Active: active (running)\n').commands).toEqual([]);
    expect(parseConsoleBlock('$\n$ ls').commands).toEqual(['', 'ls']);
    expect(parseConsoleBlock('$ls').commands).toEqual([]);
  });

  it('accepts Windows line endings', () => {
    expect(parseConsoleBlock('$ echo hi\r\nhi\r\n').commands).toEqual(['echo hi']);
  });
});
