#ifndef BOTCATALOG_CBOTSYSTEM_H
#define BOTCATALOG_CBOTSYSTEM_H

/// Atomically exchanges two paths (Linux renameat2 RENAME_EXCHANGE).
/// Returns 0 on success, -1 with errno set otherwise (EINVAL/ENOSYS where unsupported).
int botcatalog_rename_exchange(const char *from, const char *to);

/// Flushes the file system holding `fd` (Linux syncfs); falls back to sync().
int botcatalog_syncfs(int fd);

/// Removes a folder and everything in it (or a file), like `rm -rf`: one readdir and one unlinkat
/// per entry. Returns 0, or -1 with errno when something could not be removed.
int botcatalog_remove_tree(const char *path);

#endif
