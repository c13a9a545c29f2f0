/*
 * The master of one terminal: a process of its own that owns the shell's PTY, the replay buffer
 * and the clients on the terminal's socket. berth-term.c starts it when an attach finds no one
 * listening; nothing else of it is seen from outside.
 */
#ifndef BERTH_TERM_MASTER_H
#define BERTH_TERM_MASTER_H

#include <stddef.h>
#include <sys/ioctl.h>

/* Forks the master, detached from the client's terminal and session so that it outlives the
 * `docker exec` that started it, its shell sized ws; it listens on path. `lock` is the attach's
 * start lock, which the master lets go of. `title` is our argv, title_room bytes of it, which ps
 * shows: the master renames itself there. Returns once the master listens, or -1. */
int master_spawn(const char *path, struct winsize ws, int lock, char *title, size_t title_room);

#endif
