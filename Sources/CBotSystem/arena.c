#include "cbotsystem.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chunks of a thread's arena, newest first. Each block handed out is preceded by its size, so
   `realloc` can copy it; blocks are 16-byte aligned, as malloc's are. */
typedef struct chunk {
    struct chunk *next;
    size_t capacity;
    size_t used;
    size_t pad;
    _Alignas(16) unsigned char data[];
} chunk;

typedef struct {
    size_t size;
    size_t pad;
} header;

/* Big enough for a typical page's document (a few dozen kilobytes); larger documents add chunks,
   which the reset gives back. */
enum { CHUNK = 256 * 1024 };

static _Thread_local chunk *current;
/* The most recent block: it can grow or be given back in place. */
static _Thread_local unsigned char *last;

static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static void free_chunks(chunk *c) {
    while (c != NULL) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
}

/* A thread that used the arena gives its chunks back when it ends. */
static void at_thread_exit(void *head) {
    (void)head;
    free_chunks(current);
    current = NULL;
    last = NULL;
}

static void make_exit_key(void) { pthread_key_create(&exit_key, at_thread_exit); }

static size_t rounded(size_t size) { return (size + 15) & ~(size_t)15; }

static _Noreturn void out_of_memory(void) {
    fprintf(stderr, "botcatalog: out of memory converting Markdown\n");
    abort();
}

static void *allocate(size_t size) {
    if (size > SIZE_MAX / 2) out_of_memory();
    size_t need = sizeof(header) + rounded(size);
    if (current == NULL || current->capacity - current->used < need) {
        size_t capacity = need > CHUNK ? need : CHUNK;
        chunk *c = malloc(sizeof(chunk) + capacity);
        if (c == NULL) out_of_memory();
        if (current == NULL) {
            pthread_once(&exit_once, make_exit_key);
            pthread_setspecific(exit_key, c);
        }
        c->next = current;
        c->capacity = capacity;
        c->used = 0;
        current = c;
    }
    header *h = (header *)(current->data + current->used);
    h->size = size;
    current->used += need;
    last = (unsigned char *)(h + 1);
    return last;
}

void *botcatalog_arena_calloc(size_t count, size_t size) {
    if (size != 0 && count > SIZE_MAX / size) out_of_memory();
    void *block = allocate(count * size);
    memset(block, 0, count * size);
    return block;
}

void *botcatalog_arena_realloc(void *block, size_t size) {
    if (block == NULL) return allocate(size);
    header *h = (header *)block - 1;
    if (size <= h->size) return block;
    if ((unsigned char *)block == last) {
        /* The newest block grows where it is when its chunk has room (cmark's buffers double). */
        size_t start = (size_t)(last - current->data);
        if (current->capacity - start >= rounded(size)) {
            current->used = start + rounded(size);
            h->size = size;
            return block;
        }
    }
    void *moved = allocate(size);
    memcpy(moved, block, h->size);
    return moved;
}

void botcatalog_arena_free(void *block) {
    if (block != NULL && (unsigned char *)block == last) {
        current->used = (size_t)(last - current->data) - sizeof(header);
        last = NULL;
    }
}

void botcatalog_arena_reset(void) {
    if (current == NULL) return;
    /* Keep one chunk of the usual size; larger ones and the rest go back to malloc. */
    chunk *keep = NULL;
    chunk *c = current;
    while (c != NULL) {
        chunk *next = c->next;
        if (keep == NULL && c->capacity == CHUNK) {
            keep = c;
        } else {
            free(c);
        }
        c = next;
    }
    if (keep != NULL) {
        keep->next = NULL;
        keep->used = 0;
    }
    current = keep;
    last = NULL;
}

int botcatalog_arena_owns(const void *block) {
    const unsigned char *p = block;
    for (chunk *c = current; c != NULL; c = c->next) {
        if (p >= c->data && p < c->data + c->used) return 1;
    }
    return 0;
}

size_t botcatalog_arena_held(void) {
    size_t held = 0;
    for (chunk *c = current; c != NULL; c = c->next) held += c->capacity;
    return held;
}
