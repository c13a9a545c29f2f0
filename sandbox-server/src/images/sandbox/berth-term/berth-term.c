/*
 * berth-term: keeps a reader's shell alive across disconnects and restores its screen.
 *
 *   berth-term attach NAME [COLSxROWS] [--id ID] [--existing] --framed
 *   berth-term detach NAME ID
 *
 * A master per terminal, detached from whoever started it, owns the shell's PTY (bash -l, sized
 * COLSxROWS by the attach that starts it) and listens on /run/berth/terminals/NAME.sock. The
 * server runs `attach` in a TTY-less `docker exec`, once per WebSocket: it relays its stdin and
 * stdout to the socket as they are, so the server speaks the socket's frames itself
 * (src/sandboxes/docker/frames.ts), and only the server writes them: a reader's keys arrive
 * inside 'd' frames. No TTY on the exec means no second PTY and line discipline between shell
 * and server, which cost a third of the CPU of a flood of output.
 *
 * Closing the WebSocket only ends the attach, so the shell and its jobs live on, and the next
 * attach gets a full reset and the recent output, so the screen comes back. With --existing an
 * attach never starts a shell: without a master it exits 3 (a guest's watch-only socket). Docker does not end
 * an exec whose stream was closed, so the server names each attach (--id) and, when the
 * WebSocket closes, runs `detach` with that id: the master hangs up on that attach, which exits.
 *
 * Socket frames: 1 byte type, 4 bytes big-endian length, payload.
 *   'd' bytes (both ways)   'w' cols,rows as 2+2 bytes BE (to the master: a resize; from it:
 *       the PTY's size, first to every attach and to all of them after each resize)
 *   'x' exit code as 4 bytes BE (from the master, last frame before it exits)
 *   'h' the attach's id (to the master)   'k' id: hang up on the attaches with that id
 *
 * This file is the command line: attach, detach and their arguments. The master is a process of
 * its own, in master.c; the byte buffers and the frame header, which both sides use, in frames.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "frames.h"
#include "master.h"

#define SOCK_DIR "/run/berth/terminals"

static int sock_connect(const char *path) {
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return fd;
  if (fd >= 0) close(fd);
  return -1;
}

/* ---- attach: one per `docker exec`, relays its stdin and stdout to the master ---- */

static void write_all(int fd, const char *d, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, d, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) exit(0); /* the other end is gone: the server closed the exec, or the master hung up */
    d += w, n -= (size_t)w;
  }
}

/* Relays bytes both ways as they are, until either side ends: the master checks every frame. */
static int relay_loop(int sock) {
  char b[MAX_FRAME];
  for (;;) {
    struct pollfd pfd[2] = { { .fd = 0, .events = POLLIN }, { .fd = sock, .events = POLLIN } };
    if (poll(pfd, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (pfd[1].revents) {
      ssize_t n = read(sock, b, sizeof b);
      if (n <= 0) return 0; /* the master is done: its 'x' frame, if any, is already out */
      write_all(1, b, (size_t)n);
    }
    if (pfd[0].revents) {
      ssize_t n = read(0, b, sizeof b);
      if (n <= 0) return 0; /* the exec's stdin closed: the server let go, so detach */
      write_all(sock, b, (size_t)n);
    }
  }
}

/* Hangs up on the clients attached with `id`; returns once the master has done so. */
static int detach(const char *path, const char *id) {
  int sock = sock_connect(path);
  if (sock < 0) return 0; /* no such terminal: nobody to detach */
  struct buf f = { 0 };
  frame_add(&f, 'k', id, (uint32_t)strlen(id));
  write_all(sock, f.p, f.len);
  buf_free(&f);
  char b[MAX_FRAME];
  while (read(sock, b, sizeof b) > 0) {} /* the master hangs up on us too, once it is done */
  return 0;
}

static int usage(void) {
  fprintf(stderr, "usage: berth-term attach NAME [COLSxROWS] [--id ID] [--existing] --framed\n"
                  "       berth-term detach NAME ID\n"
                  "  NAME matches ^[a-z0-9][a-z0-9-]{0,15}$, ID ^[A-Za-z0-9_-]{1,64}$\n");
  return 2;
}

static int matches(const char *pattern, const char *s) {
  regex_t re;
  if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0) return 0;
  int ok = regexec(&re, s, 0, NULL, 0) == 0;
  regfree(&re);
  return ok;
}

int main(int argc, char **argv) {
  if (argc < 3 || !matches("^[a-z0-9][a-z0-9-]{0,15}$", argv[2])) return usage();
  char *title = argv[0]; /* our argv, which ps shows; the master renames itself there */
  size_t title_room = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) - argv[0]);
  const char *id_pattern = "^[A-Za-z0-9_-]{1,64}$";
  char path[108], lock_path[108];
  snprintf(path, sizeof path, SOCK_DIR "/%s.sock", argv[2]);
  snprintf(lock_path, sizeof lock_path, SOCK_DIR "/%s.lock", argv[2]);
  signal(SIGPIPE, SIG_IGN);
  if (strcmp(argv[1], "detach") == 0) {
    if (argc != 4 || !matches(id_pattern, argv[3])) return usage();
    return detach(path, argv[3]);
  }
  if (strcmp(argv[1], "attach") != 0) return usage();

  struct winsize ws = { 0 };
  const char *id = NULL;
  int framed = 0, existing = 0;
  for (int i = 3; i < argc; i++) {
    unsigned cols, rows;
    char end;
    if (strcmp(argv[i], "--id") == 0 && i + 1 < argc && matches(id_pattern, argv[i + 1])) {
      id = argv[++i];
    } else if (strcmp(argv[i], "--framed") == 0) {
      framed = 1;
    } else if (strcmp(argv[i], "--existing") == 0) {
      existing = 1;
    } else if (!ws.ws_col && sscanf(argv[i], "%ux%u%c", &cols, &rows, &end) == 2 && cols && rows &&
               cols <= 1000 && rows <= 1000) {
      ws.ws_col = (unsigned short)cols, ws.ws_row = (unsigned short)rows;
    } else {
      return usage();
    }
  }
  /* Frames are all an attach speaks: asked for by name, so they never land on someone's TTY. */
  if (!framed) return usage();
  if (!ws.ws_col) ws = (struct winsize){ .ws_col = 80, .ws_row = 24 };

  /* Two attaches racing to start the same terminal must end up with one shell. */
  int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || flock(lock, LOCK_EX) < 0) {
    fprintf(stderr, "berth-term: %s: %s\n", lock_path, strerror(errno));
    return 1;
  }
  int sock = sock_connect(path);
  if (sock < 0 && existing) {
    fprintf(stderr, "berth-term: no terminal %s\n", argv[2]);
    return 3;
  }
  if (sock < 0) {
    unlink(path); /* a master that died without cleaning up leaves its socket behind */
    if (master_spawn(path, ws, lock, title, title_room) < 0 || (sock = sock_connect(path)) < 0) {
      fprintf(stderr, "berth-term: could not start terminal %s\n", argv[2]);
      return 1;
    }
  }
  close(lock);
  if (id) {
    struct buf f = { 0 };
    frame_add(&f, 'h', id, (uint32_t)strlen(id));
    write_all(sock, f.p, f.len);
    buf_free(&f);
  }
  return relay_loop(sock);
}
