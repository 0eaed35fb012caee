#define _GNU_SOURCE
#include "cbotsystem.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int botcatalog_rename_exchange(const char *from, const char *to) {
#if defined(__linux__) && defined(SYS_renameat2)
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int botcatalog_syncfs(int fd) {
#if defined(__linux__)
    return syncfs(fd);
#else
    sync();
    return 0;
#endif
}

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

/* Empties the folder open as `dirfd` (which it closes), depth first, without a path walk or a
   stat per entry: d_type says what each entry is. */
static int remove_contents(int dirfd) {
    DIR *dir = fdopendir(dirfd);
    if (dir == NULL) { close(dirfd); return -1; }
    int result = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        const char *name = entry->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
        int isDir = entry->d_type == DT_DIR;
        if (entry->d_type == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) isDir = S_ISDIR(st.st_mode);
        }
        if (isDir) {
            int child = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (child < 0 || remove_contents(child) != 0) { result = -1; continue; }
            if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0) result = -1;
        } else if (unlinkat(dirfd, name, 0) != 0) {
            result = -1;
        }
    }
    closedir(dir);
    return result;
}

int botcatalog_remove_tree(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : unlink(path);
    if (remove_contents(fd) != 0) return -1;
    return rmdir(path);
}

int botcatalog_allowed_cpus(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
    return CPU_COUNT(&set);
#else
    return 0;
#endif
}
