/*
 * Berth's hello-world: a stand-in for Docker Hub's image, built from Debian packages.
 * No C library: one write(2) and one exit(2) system call, so the static binary is a few KB.
 */
static const char message[] =
    "\n"
    "Hello from Docker, in your Berth sandbox!\n"
    "This message shows that Docker in your sandbox appears to be working correctly.\n"
    "\n"
    "To generate this message, Docker took the following steps:\n"
    " 1. The Docker client contacted the Docker daemon running in your sandbox.\n"
    " 2. The Docker daemon pulled the \"hello-world\" image from Berth's local registry mirror.\n"
    "    This sandbox has no internet, so that image is a stand-in Berth built from\n"
    "    Debian packages, not the one on Docker Hub.\n"
    " 3. The Docker daemon created a new container from that image, which runs the\n"
    "    program that produced the output you are reading.\n"
    " 4. The Docker daemon streamed that output to the Docker client, which sent it\n"
    "    to your terminal.\n"
    "\n"
    "To try something more ambitious, run a Debian container and look around:\n"
    " $ docker run -it debian bash\n"
    "\n"
    "For more commands to try, see the guide's page /commands/\n"
    "\n";

static long syscall3(long number, long a, long b, long c) {
  long result;
#if defined(__x86_64__)
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "a"(number), "D"(a), "S"(b), "d"(c)
                   : "rcx", "r11", "memory");
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = number;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  result = x0;
#else
#error "hello.c knows the system calls of x86_64 and aarch64 only"
#endif
  return result;
}

#if defined(__x86_64__)
enum { SYS_WRITE = 1, SYS_EXIT = 60 };
#else
enum { SYS_WRITE = 64, SYS_EXIT = 93 };
#endif

__attribute__((noreturn)) void _start(void) {
  const char *next = message;
  long left = sizeof message - 1;
  int status = 0;
  while (left > 0) {
    long written = syscall3(SYS_WRITE, 1, (long)next, left);
    if (written <= 0) {
      status = 1;
      break;
    }
    next += written;
    left -= written;
  }
  for (;;) syscall3(SYS_EXIT, status, 0, 0);
}
