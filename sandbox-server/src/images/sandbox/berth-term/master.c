/*
 * The master of one terminal (see berth-term.c's header for the design): owns the shell's PTY,
 * the replay buffer that restores a screen on attach, and up to MAX_CLIENTS clients on the
 * terminal's socket, and runs until the shell exits. Separate from berth-term.c because it is a
 * process of its own, with its own state; attach and detach only talk to it through the socket.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frames.h"
#include "master.h"

#define REPLAY_SIZE (256 * 1024)
#define LINE_SEARCH 4096 /* how far into a wrapped replay buffer to look for a line start */
#define MAX_BACKLOG (1024 * 1024) /* per client; past it the client gets a fresh screen */
/* Above the server's 32 sockets per session and its 64 of guests (share links), with room for
 * detach calls. */
#define MAX_CLIENTS 104

struct client {
  int fd, gone;
  char id[65];
  struct buf in, out;
  size_t front_left; /* bytes of out's first frame not yet sent, so out can be cut at a frame edge */
};

static int signal_fd(int signo) { /* blocks the signal and returns an fd that reads it */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signo);
  sigprocmask(SIG_BLOCK, &set, NULL);
  return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static char replay[REPLAY_SIZE];
static uint64_t replay_total; /* bytes ever written; replay_total % REPLAY_SIZE is the next slot */
static struct client clients[MAX_CLIENTS];
static int nclients;
static int pty = -1;
static struct buf pty_in; /* reader input not yet taken by the PTY */

static void replay_add(const char *d, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t at = replay_total % REPLAY_SIZE, chunk = REPLAY_SIZE - at;
    if (chunk > n - i) chunk = n - i;
    memcpy(replay + at, d + i, chunk);
    replay_total += chunk;
    i += chunk;
  }
}

static void client_drop(int i) {
  close(clients[i].fd);
  buf_free(&clients[i].in);
  buf_free(&clients[i].out);
  clients[i] = clients[--nclients];
}

/* Queues a full reset and the replay buffer: the client's screen then matches everyone's. */
static void queue_screen(struct client *c) {
  /* Reset first, so the replay draws on a clean screen rather than on top of the old one. */
  size_t n = replay_total < REPLAY_SIZE ? replay_total : REPLAY_SIZE;
  char *all = malloc(n + 2);
  if (!all) { perror("berth-term: malloc"); exit(1); }
  memcpy(all, "\033c", 2);
  size_t at = replay_total % REPLAY_SIZE;
  if (replay_total > REPLAY_SIZE) { /* wrapped: oldest byte is at `at` */
    memcpy(all + 2, replay + at, REPLAY_SIZE - at);
    memcpy(all + 2 + REPLAY_SIZE - at, replay, at);
  } else {
    memcpy(all + 2, replay, n);
  }
  size_t skip = 0;
  if (replay_total > REPLAY_SIZE) { /* the cut is mid-line; start after the first newline */
    char *nl = memchr(all + 2, '\n', n < LINE_SEARCH ? n : LINE_SEARCH);
    if (nl) skip = (size_t)(nl + 1 - (all + 2));
  }
  memmove(all + 2, all + 2 + skip, n - skip);
  for (size_t i = 0; i < n - skip + 2; i += MAX_FRAME) {
    size_t len = n - skip + 2 - i;
    frame_add(&c->out, 'd', all + i, len < MAX_FRAME ? (uint32_t)len : MAX_FRAME);
  }
  free(all);
}

/* A 'w' frame of the PTY's size: a client that does not set the size (a guest) draws at it. */
static void size_add(struct buf *b) {
  struct winsize ws = { 0 };
  ioctl(pty, TIOCGWINSZ, &ws);
  char d[4] = { (char)(ws.ws_col >> 8), (char)ws.ws_col, (char)(ws.ws_row >> 8), (char)ws.ws_row };
  frame_add(b, 'w', d, sizeof d);
}

static void client_add(int fd) {
  if (nclients == MAX_CLIENTS) { close(fd); return; }
  struct client *c = &clients[nclients++];
  memset(c, 0, sizeof *c);
  c->fd = fd;
  size_add(&c->out); /* first, so an attach knows at once that the terminal is there */
  queue_screen(c);
}

static int client_flush(struct client *c) {
  while (buf_size(&c->out) > 0) {
    ssize_t n = write(c->fd, c->out.p + c->out.off, buf_size(&c->out));
    if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
    for (size_t left = (size_t)n; left > 0;) { /* frames are queued whole, so a header is in view */
      if (c->front_left == 0) c->front_left = HDR + get32(c->out.p + c->out.off + 1);
      size_t k = left < c->front_left ? left : c->front_left;
      buf_drop(&c->out, k);
      c->front_left -= k, left -= k;
    }
  }
  return 0;
}

static void on_client_frame(char type, const char *d, uint32_t n, void *ctx) {
  struct client *from = ctx;
  if (type == 'h' && n < sizeof from->id) {
    memcpy(from->id, d, n);
    from->id[n] = 0;
  } else if (type == 'k') {
    for (int i = 0; i < nclients; i++) {
      if (strlen(clients[i].id) == n && memcmp(clients[i].id, d, n) == 0) clients[i].gone = 1;
    }
    from->gone = 1;
  } else if (type == 'd') {
    buf_add(&pty_in, d, n);
  } else if (type == 'w' && n == 4) {
    /* The kernel sends SIGWINCH to the shell's foreground job when the size changes. */
    struct winsize ws = { .ws_col = (unsigned short)(get32(d) >> 16), .ws_row = (unsigned short)get32(d) };
    if (ws.ws_col && ws.ws_row && ioctl(pty, TIOCSWINSZ, &ws) == 0) {
      for (int i = 0; i < nclients; i++) size_add(&clients[i].out);
    }
  }
}

static void broadcast(char type, const char *d, size_t n) {
  for (int i = 0; i < nclients; i++) {
    struct client *c = &clients[i];
    /* A client that cannot keep up must not hold up the shell or the others, nor grow without
     * bound. Dropping it would look to the server like the shell had exited; instead its
     * backlog is cut at a frame edge and replaced by a fresh screen (which holds d already). */
    if (type == 'd' && buf_size(&c->out) + n > MAX_BACKLOG) {
      c->out.len = c->out.off + c->front_left;
      queue_screen(c);
    } else {
      frame_add(&c->out, type, d, (uint32_t)n);
    }
  }
}

/* Returns -1 once the PTY has hung up (EIO: no process holds the shell's side any more). */
static int pty_read_all(void) {
  char b[MAX_FRAME];
  ssize_t n;
  while ((n = read(pty, b, sizeof b)) > 0) {
    replay_add(b, (size_t)n);
    broadcast('d', b, (size_t)n);
  }
  return n == 0 || (errno != EAGAIN && errno != EINTR) ? -1 : 0;
}

/* Sends the exit code and gives the clients up to two seconds to take their last bytes. */
static void master_finish(int status) {
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  char c[4] = { (char)(code >> 24), (char)(code >> 16), (char)(code >> 8), (char)code };
  broadcast('x', c, 4);
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    struct pollfd pfd[MAX_CLIENTS];
    int n = 0;
    for (int i = nclients - 1; i >= 0; i--) {
      if (client_flush(&clients[i]) < 0 || buf_size(&clients[i].out) == 0) client_drop(i);
    }
    for (int i = 0; i < nclients; i++) pfd[n++] = (struct pollfd){ .fd = clients[i].fd, .events = POLLOUT };
    clock_gettime(CLOCK_MONOTONIC, &now);
    long left = 2000 - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
    if (n == 0 || left <= 0) break;
    poll(pfd, (nfds_t)n, (int)left);
  }
  exit(0);
}

static void master_loop(int listener, int sig, pid_t shell, const char *path) {
  int pty_open = 1;
  for (;;) {
    struct pollfd pfd[3 + MAX_CLIENTS];
    pfd[0] = (struct pollfd){ .fd = sig, .events = POLLIN };
    pfd[1] = (struct pollfd){ .fd = pty_open ? pty : -1, .events = POLLIN | (buf_size(&pty_in) ? POLLOUT : 0) };
    pfd[2] = (struct pollfd){ .fd = listener, .events = POLLIN };
    for (int i = 0; i < nclients; i++) {
      /* While the shell is not taking input, stop reading it: backpressure reaches the sender. */
      short ev = (short)((buf_size(&pty_in) < MAX_FRAME ? POLLIN : 0) | (buf_size(&clients[i].out) ? POLLOUT : 0));
      pfd[3 + i] = (struct pollfd){ .fd = clients[i].fd, .events = ev };
    }
    int nfds = 3 + nclients;
    if (poll(pfd, (nfds_t)nfds, -1) < 0) {
      if (errno == EINTR) continue;
      exit(1);
    }
    if (pfd[0].revents) {
      struct signalfd_siginfo si;
      while (read(sig, &si, sizeof si) > 0) {}
      int status;
      if (waitpid(shell, &status, WNOHANG) == shell) {
        /* Unlink first: an attach from now on must start a new shell, not reach this one. */
        unlink(path);
        close(listener);
        pty_read_all();
        master_finish(status);
      }
    }
    if (pfd[1].revents & POLLOUT && flush_some(pty, &pty_in) < 0) buf_free(&pty_in);
    /* After a hang-up the shell's SIGCHLD is on its way; polling the PTY would only spin. */
    if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR) && pty_read_all() < 0) pty_open = 0;
    for (int i = 0; i < nclients; i++) { /* nobody joins or leaves until the sweep below */
      struct client *c = &clients[i];
      short re = pfd[3 + i].revents;
      if (re & POLLIN) {
        char b[MAX_FRAME];
        ssize_t n = read(c->fd, b, sizeof b);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) c->gone = 1;
        if (n > 0) buf_add(&c->in, b, (size_t)n);
        if (frames_take(&c->in, on_client_frame, c) < 0) c->gone = 1;
      } else if (re & (POLLHUP | POLLERR)) {
        c->gone = 1;
      }
      if (!c->gone && client_flush(c) < 0) c->gone = 1;
    }
    /* Backwards, as a drop moves the last client into the freed slot. */
    for (int i = nclients - 1; i >= 0; i--) {
      if (clients[i].gone) client_drop(i);
    }
    if (pfd[2].revents & POLLIN) {
      int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) client_add(fd);
    }
  }
}

static int sock_listen(const char *path) {
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 8) < 0) return -1;
  return fd;
}

/* Forks the master, detached from the client's terminal and session so that it outlives the
 * `docker exec` that started it. Returns once the master listens, or -1. */
int master_spawn(const char *path, struct winsize ws, int lock, char *title, size_t title_room) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(ready[0]);
    close(lock); /* the lock would otherwise outlive the client that took it */
    setsid();
    if (fork() != 0) _exit(0); /* not a session leader: the master never gains a terminal */
    /* Otherwise it would pass in ps (and pkill -f) for the attach that happened to start it. */
    char name[32];
    snprintf(name, sizeof name, "%s", strrchr(path, '/') + 1);
    *strrchr(name, '.') = 0;
    memset(title, 0, title_room);
    snprintf(title, title_room, "berth-term master %s", name);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    if (null > 2) close(null);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    int listener = sock_listen(path);
    /* Blocked before the shell exists, so an early exit cannot slip by unnoticed. */
    int sig = signal_fd(SIGCHLD);
    if (listener < 0 || sig < 0) _exit(1);
    const char *home = getenv("HOME");
    struct passwd *pw = getpwuid(getuid());
    if (!home && pw) home = pw->pw_dir;
    pid_t shell = forkpty(&pty, NULL, NULL, &ws);
    if (shell < 0) { unlink(path); _exit(1); }
    if (shell == 0) {
      /* Undo what the master set up for itself; exec keeps both the mask and ignored signals. */
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      signal(SIGPIPE, SIG_DFL);
      signal(SIGHUP, SIG_DFL);
      if (!home || chdir(home) < 0) home = "/";
      setenv("HOME", home, 1);
      setenv("TERM", getenv("TERM") && *getenv("TERM") ? getenv("TERM") : "xterm-256color", 1);
      if (pw) setenv("USER", pw->pw_name, 1), setenv("LOGNAME", pw->pw_name, 1);
      setenv("SHELL", "/bin/bash", 1);
      execl("/bin/bash", "bash", "-l", (char *)NULL);
      _exit(127);
    }
    fcntl(pty, F_SETFL, O_NONBLOCK);
    fcntl(pty, F_SETFD, FD_CLOEXEC);
    if (chdir("/") < 0) _exit(1); /* hold no directory of the reader's busy */
    if (write(ready[1], "", 1) != 1) _exit(1);
    close(ready[1]);
    master_loop(listener, sig, shell, path);
  }
  close(ready[1]);
  waitpid(pid, NULL, 0);
  char ok;
  ssize_t n = read(ready[0], &ok, 1);
  close(ready[0]);
  return n == 1 ? 0 : -1;
}
