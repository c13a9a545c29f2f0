/*
 * The byte buffers and the frame header of the socket's frames: 1 byte type, 4 bytes big-endian
 * length, payload (the types are listed in berth-term.c's header). Separate because both sides
 * use them: the master (master.c) reads and writes frames, attach and detach (berth-term.c)
 * write them.
 */
#ifndef BERTH_TERM_FRAMES_H
#define BERTH_TERM_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define MAX_FRAME (64 * 1024)
#define HDR 5

struct buf { char *p; size_t off, len, cap; }; /* pending bytes are p[off..len) */

static inline size_t buf_size(const struct buf *b) { return b->len - b->off; }
void buf_add(struct buf *b, const void *data, size_t n);
void buf_drop(struct buf *b, size_t n);
void buf_free(struct buf *b);

static inline uint32_t get32(const char *p) {
  const unsigned char *u = (const unsigned char *)p;
  return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

void frame_add(struct buf *b, char type, const void *data, uint32_t n);
/* Calls on_frame for every complete frame in b; returns -1 on a malformed frame. */
int frames_take(struct buf *b, void (*on_frame)(char, const char *, uint32_t, void *), void *ctx);

/* Writes what the fd takes now; returns -1 when the peer is gone. */
int flush_some(int fd, struct buf *b);

#endif
