/*
 * berth-docker-socket: Docker's socket before Docker, as systemd's docker.socket holds it.
 *
 *   berth-docker-socket PATH GROUP -- PROGRAM [ARG...]
 *
 * Listens on the Unix socket PATH (mode 0660, group GROUP) and waits, using no CPU, until a
 * client connects. It accepts nothing: it execs PROGRAM with the listening socket as fd 3 and
 * LISTEN_FDS=1, LISTEN_PID=its own pid, which PROGRAM passes on by exec'ing `dockerd -H fd://`
 * (berth-dockerd activated). The client's connection waits in the backlog meanwhile, so the first
 * `docker …` of a reader simply takes a second longer, and a reader who never uses Docker never
 * pays for an engine (an idle dockerd and containerd hold ~35 MiB and a second of a core to start).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* systemd's first passed descriptor (SD_LISTEN_FDS_START). */
#define LISTEN_FD 3

static void die(const char *what) {
  fprintf(stderr, "berth-docker-socket: %s: %s\n", what, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[3], "--") != 0) {
    fprintf(stderr, "usage: berth-docker-socket PATH GROUP -- PROGRAM [ARG...]\n");
    return 2;
  }
  const char *path = argv[1];
  struct group *group = getgrnam(argv[2]);
  if (!group) {
    errno = ENOENT;
    die("no such group");
  }
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof address.sun_path) {
    errno = ENAMETOOLONG;
    die(path);
  }
  strcpy(address.sun_path, path);

  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  unlink(path);
  /* Bound with no access, then opened to the group: no moment at which others could connect. */
  mode_t mask = umask(0777);
  if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) die("bind");
  umask(mask);
  if (chown(path, 0, group->gr_gid) < 0 || chmod(path, 0660) < 0) die("chmod");
  /* As deep as dockerd's own: a whole page of `docker …` started at once all wait, none refused. */
  if (listen(fd, SOMAXCONN) < 0) die("listen");

  struct pollfd waiting = {.fd = fd, .events = POLLIN};
  while (poll(&waiting, 1, -1) < 0)
    if (errno != EINTR) die("poll");

  if (fd != LISTEN_FD) {
    if (dup2(fd, LISTEN_FD) < 0) die("dup2");
    close(fd);
  }
  char pid[24];
  snprintf(pid, sizeof pid, "%d", (int)getpid());
  setenv("LISTEN_PID", pid, 1);
  setenv("LISTEN_FDS", "1", 1);
  setenv("LISTEN_FDNAMES", "docker.socket", 1);
  execvp(argv[4], argv + 4);
  die(argv[4]);
}
