/*
 * The byte buffers (struct buf) and the frames made of them: a 5-byte header, then the payload.
 * Separate from the master and the commands because both use them, and they hold no state.
 */
#include "frames.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void buf_add(struct buf *b, const void *data, size_t n) {
  if (b->off > 0 && b->len + n > b->cap) { /* reuse the consumed front before growing */
    memmove(b->p, b->p + b->off, b->len - b->off);
    b->len -= b->off;
    b->off = 0;
  }
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    if (!(b->p = realloc(b->p, cap))) { perror("berth-term: realloc"); exit(1); }
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
}

void buf_drop(struct buf *b, size_t n) {
  b->off += n;
  if (b->off == b->len) b->off = b->len = 0;
}

void buf_free(struct buf *b) { free(b->p); memset(b, 0, sizeof *b); }

void frame_add(struct buf *b, char type, const void *data, uint32_t n) {
  char h[HDR] = { type, (char)(n >> 24), (char)(n >> 16), (char)(n >> 8), (char)n };
  buf_add(b, h, HDR);
  buf_add(b, data, n);
}

/* Calls on_frame for every complete frame in b; returns -1 on a malformed frame. */
int frames_take(struct buf *b, void (*on_frame)(char, const char *, uint32_t, void *), void *ctx) {
  while (buf_size(b) >= HDR) {
    const char *h = b->p + b->off;
    uint32_t n = get32(h + 1);
    if (n > MAX_FRAME) return -1;
    if (buf_size(b) < HDR + n) break;
    on_frame(h[0], h + HDR, n, ctx);
    buf_drop(b, HDR + n);
  }
  return 0;
}

/* Writes what the fd takes now; returns -1 when the peer is gone. */
int flush_some(int fd, struct buf *b) {
  while (buf_size(b) > 0) {
    ssize_t n = write(fd, b->p + b->off, buf_size(b));
    if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
    buf_drop(b, (size_t)n);
  }
  return 0;
}
