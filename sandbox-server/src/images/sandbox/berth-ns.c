/*
 * berth-ns: the line between the sandbox container and the reader.
 *
 *   berth-ns init SETUP NETWORK -- PROGRAM [ARG...]   the container's entrypoint
 *   berth-ns enter PROGRAM [ARG...]                     every `docker exec` of the server
 *
 * The sandbox container is root on the host's kernel: it needs CAP_SYS_ADMIN for its inner
 * Docker, and with it a root that could mount a fresh /proc and write host-wide kernel settings
 * (kernel.core_pattern names a program the kernel runs as host root). So nothing of the reader
 * runs there. `init` starts the reader's world in its own user namespace, where root is the first
 * host uid of the sandbox's own range (BERTH_ID_BASE) and owns everything the reader sees (SETUP
 * mounts the image's files so), with its own mount, network, PID, cgroup, UTS and IPC namespaces.
 * Capabilities there reach only what that namespace owns: kernel-wide settings stay the host's.
 *
 * What runs outside must not run anything the reader can write, or a reader would rewrite it
 * and be root outside. So the reader never sees this side's files: their root is a copy of the
 * image's beside it (the overlay SETUP mounts, which this side pivots into before the reader's
 * namespaces are made); this program is static; `init` refuses to run twice, as a sandbox
 * restarted would start from the reader's disk as they left it; and `enter` becomes root of the
 * reader's namespaces before it runs anything of theirs.
 *
 * init: runs SETUP (prepares cgroups and storage), makes the child's namespaces, maps its ids,
 * moves it into the reader's cgroup, runs NETWORK with the child's pid (a veth into its network
 * namespace), then lets it go: the child becomes PID 1 of the reader's PID namespace, reaps
 * orphans as docker-init does outside, and runs PROGRAM as the reader's root. init exits with
 * PROGRAM's status. The child's pid (in the container's PID namespace) goes to /run/berth/ns.pid.
 *
 * enter: joins those namespaces and cgroups, becomes the reader's root and runs PROGRAM there,
 * passing on its exit status.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The host ids the server picks each sandbox's range of reader ids from (BERTH_ID_BASE): 65536
 * of them, from a multiple of 65536. The server's readerIds (src/sandboxes/confinement.ts) is the
 * source of these bounds; src/images/ns-bounds.test.ts holds them to it. */
#define ID_COUNT 65536
#define ID_BASE_MIN 1073741824UL
#define ID_BASE_MAX (2147483648UL - ID_COUNT)
/* The host uids the server picks the owner of each sandbox's user namespace from (BERTH_NS_OWNER):
 * far from any user's and from the readers' mapped ids. */
#define OWNER_MIN 1000000000UL
#define OWNER_MAX 1000065535UL
#define SELF "/berth/berth-ns"
#define STARTED_MARK "/berth/started"
#define PID_FILE "/run/berth/ns.pid"
#define CGROUP_ROOT "/sys/fs/cgroup"
/* Where setup mounted the reader's root: the image below, the sandbox's disk above. */
#define READER_ROOT "/berth/root"
#define CGROUP_CHILD "berth"

static const char *const NAMESPACES[] = {"user", "ipc", "uts", "net", "cgroup", "pid", "mnt"};
#define NAMESPACE_COUNT (sizeof NAMESPACES / sizeof NAMESPACES[0])

static pid_t forward_to;
/* The pipe on which init lets the reader's side go. */
static int release[2];
/* init and pid1 report failures as the line the server reads in the container's log (stdout);
 * enter on stderr, to whoever ran the exec. */
static int in_container_log;

static void failed(const char *what) {
  if (in_container_log) printf("berth: sandbox failed: %s: %s\n", what, strerror(errno));
  else fprintf(stderr, "berth-ns: %s: %s\n", what, strerror(errno));
  fflush(NULL);
  exit(1);
}

static void forward_signal(int sig) {
  if (forward_to > 0) kill(forward_to, sig);
}

static void forward_signals(pid_t to) {
  forward_to = to;
  struct sigaction action = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGHUP, &action, NULL);
}

/* waitpid for one child, reaping any other that ends first; returns an exit-style status. */
static int wait_for(pid_t pid) {
  for (;;) {
    int status;
    pid_t ended = waitpid(-1, &status, 0);
    if (ended < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (ended == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
}

/* Runs a program of the host root's side and waits for it. */
static int run(char *const argv[]) {
  pid_t pid = fork();
  if (pid < 0) failed("fork");
  if (pid == 0) {
    /* Nothing run from here is to gain ids from a set-user-ID bit: this side is root already. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) failed("no_new_privs");
    execv(argv[0], argv);
    failed(argv[0]);
  }
  return wait_for(pid);
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) failed(path);
  close(fd);
}

/* Puts pid into `place` (a cgroup below each hierarchy's root, or "." for the root itself) in
 * every hierarchy that has a reader's cgroup (SETUP made them); on cgroup v2, into `v2_place`. */
static void move_to_cgroups(pid_t pid, const char *place, const char *v2_place) {
  char path[512], text[32];
  snprintf(text, sizeof text, "%d\n", pid);
  DIR *dir = opendir(CGROUP_ROOT);
  if (!dir) failed(CGROUP_ROOT);
  struct dirent *entry;
  while ((entry = readdir(dir))) {
    if (entry->d_name[0] == '.') continue;
    snprintf(path, sizeof path, CGROUP_ROOT "/%s/" CGROUP_CHILD "/cgroup.procs", entry->d_name);
    if (access(path, F_OK) != 0) continue;
    snprintf(path, sizeof path, CGROUP_ROOT "/%s/%s/cgroup.procs", entry->d_name, place);
    write_file(path, text);
  }
  closedir(dir);
  /* cgroup v2: one hierarchy, mounted at the root itself. */
  if (access(CGROUP_ROOT "/" CGROUP_CHILD "/cgroup.procs", F_OK) == 0) {
    snprintf(path, sizeof path, CGROUP_ROOT "/%s/cgroup.procs", v2_place);
    write_file(path, text);
  }
}

static void join_cgroups(pid_t pid) { move_to_cgroups(pid, CGROUP_CHILD, CGROUP_CHILD); }

/* From here on the process is the reader's root: the first of the sandbox's host uids,
 * capabilities only inside. */
static void become_reader_root(void) {
  if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) failed("setresuid");
}

/* Runs a program of the reader's side, passes signals on, reaps whatever else ends meanwhile (as
 * PID 1 of the reader's PID namespace must), and ends with the program's status. */
static int run_reader_program(char *const argv[]) {
  pid_t pid = fork();
  if (pid < 0) failed("fork");
  if (pid == 0) {
    execvp(argv[0], argv);
    failed(argv[0]);
  }
  /* Only init speaks to the server, and only until it is ready. The container's log is a pipe to
   * the host's engine, and a process of the reader's that held it could keep the engine busy for
   * ever (yes >/proc/1/fd/1): this side lets go of it. */
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) failed("/dev/null");
  close(null);
  in_container_log = 0;
  forward_signals(pid);
  return wait_for(pid);
}

/* Moves this side into a mount namespace of its own whose root is the reader's (setup mounted it
 * at READER_ROOT, on the sandbox's disk), leaving the container's own root behind: the reader's
 * namespaces are made from this one, so nothing of theirs can reach a file outside the disk. */
static void enter_reader_root(void) {
  if (unshare(CLONE_NEWNS) < 0) failed("unshare the mount namespace");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) failed("make / private");
  if (chdir(READER_ROOT) < 0) failed(READER_ROOT);
  /* pivot_root(".", ".") stacks the old root on the new; detaching it leaves the new alone. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) failed("pivot_root");
  if (umount2(".", MNT_DETACH) < 0) failed("detach the container's root");
  if (chdir("/") < 0) failed("chdir /");
}

/* A host id the server chose for this sandbox, from the environment, within [min, max]. */
static unsigned long chosen_id(const char *name, unsigned long min, unsigned long max, unsigned long step) {
  const char *text = getenv(name);
  char *end = NULL;
  unsigned long id = text ? strtoul(text, &end, 10) : 0;
  if (!text || *text == '\0' || *end != '\0' || id < min || id > max || id % step != 0) {
    errno = EINVAL;
    failed(name);
  }
  return id;
}

/* The host uid that is to own the reader's user namespace, one of the sandbox's own. The kernel
 * counts what a namespace holds (inotify instances, user namespaces and the like) against its
 * owner in the namespace above as well: owned by root, every sandbox would share the host root's
 * quota, and one reader could use it up for the host and every other sandbox. */
static uid_t namespace_owner(void) { return (uid_t)chosen_id("BERTH_NS_OWNER", OWNER_MIN, OWNER_MAX, 1); }

/* The first host uid of the reader's ids: each sandbox has a range of its own, because the
 * kernel counts keys, inotify instances and processes per host uid. */
static uid_t id_base(void) { return (uid_t)chosen_id("BERTH_ID_BASE", ID_BASE_MIN, ID_BASE_MAX, ID_COUNT); }

static int child_main(void *arg) {
  char **argv = arg;
  char go;
  close(release[1]);
  /* Held until the ids are mapped and the network is in: end of file means init gave up. */
  if (read(release[0], &go, 1) != 1) _exit(1);
  close(release[0]);
  become_reader_root();
  /* The cgroup namespace is rooted where the process is now: the reader's cgroup. */
  if (unshare(CLONE_NEWCGROUP) < 0) failed("cgroup namespace");
  /* Started again, as the reader's root: a process that changed its ids without an exec is not
   * dumpable, and `enter` could not open its namespaces. */
  char **pid1 = &argv[3]; /* init's argv: berth-ns init SETUP NETWORK -- PROGRAM [ARG...] */
  pid1[0] = SELF;
  pid1[1] = "pid1";
  execv(SELF, pid1);
  failed(SELF);
  return 1;
}

static int init(int argc, char *argv[]) {
  if (argc < 6 || strcmp(argv[4], "--") != 0) {
    fprintf(stderr, "usage: berth-ns init SETUP NETWORK -- PROGRAM [ARG...]\n");
    return 2;
  }
  int mark = open(STARTED_MARK, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (mark < 0) {
    if (errno == EEXIST) {
      printf("berth: sandbox failed: a sandbox is never started a second time\n");
      return 1;
    }
    failed(STARTED_MARK);
  }
  close(mark);

  /* SETUP hands cgroups and storage to the reader's root: it is told which host uid that is. */
  uid_t base = id_base();
  char base_text[16];
  snprintf(base_text, sizeof base_text, "%u", base);
  char *setup[] = {argv[2], base_text, NULL};
  if (run(setup) != 0) return 1;
  enter_reader_root();

  if (pipe2(release, O_CLOEXEC) < 0) failed("pipe");
  static char stack[64 * 1024];
  int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
  /* A new user namespace is owned by the effective uid that makes it: take the owner's for the
   * clone alone (the real and saved uids stay root's, so root's capabilities come back after). */
  /* The child is born in the reader's cgroups: moved there afterwards, by a root that does not
   * own its namespace, the cpuset controller would want CAP_SYS_NICE over it. This side leaves
   * them again at once, before anything of the reader's runs. */
  uid_t owner = namespace_owner();
  join_cgroups(getpid());
  if (setresuid((uid_t)-1, owner, (uid_t)-1) < 0) failed("take the namespace's owner");
  pid_t child = clone(child_main, stack + sizeof stack, flags | SIGCHLD, argv);
  int clone_errno = errno;
  if (setresuid((uid_t)-1, 0, (uid_t)-1) < 0) failed("become root again");
  errno = clone_errno;
  if (child < 0) failed("clone");
  move_to_cgroups(getpid(), ".", "init");
  close(release[0]);

  char path[64], map[64], pid_text[32];
  snprintf(map, sizeof map, "0 %u %d\n", base, ID_COUNT);
  snprintf(path, sizeof path, "/proc/%d/uid_map", child);
  write_file(path, map);
  snprintf(path, sizeof path, "/proc/%d/gid_map", child);
  write_file(path, map);

  snprintf(pid_text, sizeof pid_text, "%d", child);
  char *network[] = {argv[3], pid_text, NULL};
  if (run(network) != 0) {
    kill(child, SIGKILL);
    return 1;
  }
  int fd = open(PID_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || dprintf(fd, "%d\n", child) < 0) failed(PID_FILE);
  close(fd);

  if (write(release[1], "g", 1) != 1) failed("release");
  close(release[1]);
  forward_signals(child);
  return wait_for(child);
}

static int enter(int argc, char *argv[]) {
  if (argc < 3) {
    fprintf(stderr, "usage: berth-ns enter PROGRAM [ARG...]\n");
    return 2;
  }
  FILE *file = fopen(PID_FILE, "re");
  int target;
  if (!file || fscanf(file, "%d", &target) != 1) failed(PID_FILE);
  fclose(file);

  /* Open all first: after joining the mount namespace, this /proc is out of reach. */
  int fds[NAMESPACE_COUNT];
  char path[64];
  for (size_t i = 0; i < NAMESPACE_COUNT; i++) {
    snprintf(path, sizeof path, "/proc/%d/ns/%s", target, NAMESPACES[i]);
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) failed(path);
  }
  join_cgroups(getpid());
  /* The user namespace first: its capabilities are what let us join the others it owns. */
  for (size_t i = 0; i < NAMESPACE_COUNT; i++) {
    if (setns(fds[i], 0) < 0) failed(NAMESPACES[i]);
    close(fds[i]);
  }
  become_reader_root();
  if (chdir("/") < 0) failed("chdir");
  /* Joining a PID namespace takes effect for children only, so the program is one. */
  return run_reader_program(&argv[2]);
}

int main(int argc, char *argv[]) {
  in_container_log = argc >= 2 && (strcmp(argv[1], "init") == 0 || strcmp(argv[1], "pid1") == 0);
  if (argc >= 2 && strcmp(argv[1], "init") == 0) return init(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "enter") == 0) return enter(argc, argv);
  if (argc >= 3 && strcmp(argv[1], "pid1") == 0) return run_reader_program(&argv[2]);
  fprintf(stderr, "usage: berth-ns init SETUP NETWORK -- PROGRAM [ARG...] | berth-ns enter PROGRAM [ARG...]\n");
  return 2;
}
