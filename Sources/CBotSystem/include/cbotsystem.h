#ifndef BOTCATALOG_CBOTSYSTEM_H
#define BOTCATALOG_CBOTSYSTEM_H

#include <stddef.h>

/// Atomically exchanges two paths (Linux renameat2 RENAME_EXCHANGE).
/// Returns 0 on success, -1 with errno set otherwise (EINVAL/ENOSYS where unsupported).
int botcatalog_rename_exchange(const char *from, const char *to);

/// How many CPUs this process may run on (its affinity mask: `taskset`, a container's cpuset);
/// 0 when that cannot be told.
int botcatalog_allowed_cpus(void);

/// Flushes the file system holding `fd` (Linux syncfs); falls back to sync().
int botcatalog_syncfs(int fd);

/// Removes a folder and everything in it (or a file), like `rm -rf`: one readdir and one unlinkat
/// per entry. Returns 0, or -1 with errno when something could not be removed.
int botcatalog_remove_tree(const char *path);

/// A bump allocator for libcmark, one per thread: the functions of a `cmark_mem`. Everything
/// cmark allocates for one document comes from the calling thread's arena and is released at
/// once by `botcatalog_arena_reset` (freeing a block only gives it back when it was the last one
/// handed out). cmark makes a few hundred small allocations per page; through malloc they cost
/// more than a quarter of its time, and freeing the tree node by node more again.
/// Like cmark's own allocator, these abort when memory runs out.
void *botcatalog_arena_calloc(size_t count, size_t size);
void *botcatalog_arena_realloc(void *block, size_t size);
void botcatalog_arena_free(void *block);

/// Releases everything the calling thread's arena handed out (keeping one chunk for the next document).
void botcatalog_arena_reset(void);

/// Whether `block` was handed out by the calling thread's arena since its last reset.
int botcatalog_arena_owns(const void *block);

/// Bytes the calling thread's arena holds in its chunks (for specifications).
size_t botcatalog_arena_held(void);

/// Where the first byte that is not printable ASCII, a tab, a line feed or a carriage return
/// stands in `bytes`; `count` when there is none.
size_t botcatalog_plain_prefix(const unsigned char *bytes, size_t count);

/// Where the first byte a JSON string must escape (a control character, `"` or `\`) stands; `count` when there is none.
size_t botcatalog_json_escape_at(const unsigned char *bytes, size_t count);

/// Where the first byte HTML escaping replaces (`<`, `>`, `&`, `"` or `'`) stands; `count` when there is none.
size_t botcatalog_html_escape_at(const unsigned char *bytes, size_t count);

#endif
