/*
 * Files. A write goes to a temporary file next to the target, is fsync'd and renamed over
 * it, so a reader sees the old file or the whole new one, never half. A read sends the
 * file in chunks, one chunk per loop turn, so other streams keep moving meanwhile.
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint8_t chunk[CHUNK];

static void close_if(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* The request's path must be absolute; answers the error itself. */
static int absolute(struct agent *a, uint32_t id, const char *path)
{
    char msg[600];
    if (path[0] == '/' && !confine_path_ok(path)) {
        send_error_code(a, id, "EACCES", "outside the test confinement");
        return 0;
    }
    if (path[0] == '/')
        return 1;
    snprintf(msg, sizeof msg, "the path must be absolute, not '%.500s'", path);
    send_error_code(a, id, "EINVAL", msg);
    return 0;
}

/* mkdir -p: each missing component is made 0755; an existing non-directory is ENOTDIR. */
static int mkdir_p(char *dir)
{
    struct stat st;
    for (char *p = dir + 1;; p++) {
        char c = *p;
        if (c != '/' && c != 0)
            continue;
        *p = 0;
        int r = mkdir(dir, 0755);
        int e = errno;
        if (r < 0 && e == EEXIST && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
            r = -1;
            e = ENOTDIR;
        } else if (r < 0 && e == EEXIST) {
            r = 0;
        }
        *p = c;
        if (r < 0) {
            errno = e;
            return -1;
        }
        if (c == 0)
            return 0;
    }
}

/* The directory part of an absolute path ("/" for "/x"), as a new string. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = 0;
    }
    return d;
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd); /* makes the rename durable; a failure here does not undo it */
        close(fd);
    }
}

/* ---- write ---- */

/* Checks the target and makes the temporary file. Returns its fd, or -1 having answered. */
static int open_temp(struct agent *a, uint32_t id, const struct file_req *r, char *dir, char **tmp)
{
    char msg[600];
    size_t plen = strlen(r->path);
    struct stat st;
    if (r->path[plen - 1] == '/' || (stat(r->path, &st) == 0 && S_ISDIR(st.st_mode))) {
        snprintf(msg, sizeof msg, "%.500s is a directory", r->path);
        send_error_code(a, id, "EISDIR", msg);
        return -1;
    }
    if (!r->no_mkdir && strcmp(dir, "/") && mkdir_p(dir) < 0) {
        snprintf(msg, sizeof msg, "cannot create the directory %.500s", dir);
        send_error(a, id, errno, msg);
        return -1;
    }
    *tmp = malloc(strlen(dir) + 32);
    if (!*tmp) {
        send_error_code(a, id, "ENOMEM", "out of memory");
        return -1;
    }
    sprintf(*tmp, "%s/.smolvm-write-XXXXXX", strcmp(dir, "/") ? dir : "");
    int fd = mkostemp(*tmp, O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(msg, sizeof msg, "cannot write in %.500s", dir);
        send_error(a, id, e, msg);
        free(*tmp);
        *tmp = NULL;
    }
    return fd;
}

void file_write_start(struct agent *a, uint32_t id, const uint8_t *p, size_t n)
{
    struct file_req r;
    const char *why;
    if (parse_file(p, n, &r, &why)) {
        send_error_code(a, id, "EINVAL", why);
        return;
    }
    char *dir = NULL, *tmp = NULL;
    if (!absolute(a, id, r.path))
        goto out;
    if (!(dir = dir_of(r.path))) {
        send_error_code(a, id, "ENOMEM", "out of memory");
        goto out;
    }
    int fd = open_temp(a, id, &r, dir, &tmp);
    if (fd < 0)
        goto out;
    struct stream *s = stream_new(a, id, S_FILE_WRITE);
    if (!s) {
        close(fd);
        unlink(tmp);
        free(tmp);
        send_error_code(a, id, "ENOMEM", "out of memory");
        goto out;
    }
    struct stat st;
    s->u.w.fd = fd;
    s->u.w.tmp = tmp;
    s->u.w.path = r.path;
    r.path = NULL;
    /* No mode given: keep the mode of the file being replaced, else 0644. */
    s->u.w.mode = r.has_mode ? r.mode : stat(s->u.w.path, &st) == 0 ? (st.st_mode & 07777) : 0644;
out:
    free(dir);
    file_req_free(&r);
}

static void wfile_free(struct stream *s, int remove_tmp)
{
    struct wfile_state *w = &s->u.w;
    close_if(&w->fd);
    if (remove_tmp && w->tmp)
        unlink(w->tmp);
    free(w->tmp);
    free(w->path);
    w->tmp = w->path = NULL;
}

/* Makes the temporary file the target. 0, or -1 with errno. */
static int commit(struct wfile_state *w)
{
    if (fsync(w->fd) < 0 || fchmod(w->fd, w->mode) < 0)
        return -1;
    int fd = w->fd;
    w->fd = -1;
    if (close(fd) < 0 || rename(w->tmp, w->path) < 0)
        return -1;
    char *dir = dir_of(w->path);
    if (dir) {
        fsync_dir(dir);
        free(dir);
    }
    return 0;
}

static void finish_write(struct agent *a, struct stream *s)
{
    struct wfile_state *w = &s->u.w;
    char msg[600];
    if (commit(w) < 0) {
        snprintf(msg, sizeof msg, "cannot write %.500s", w->path);
        send_error(a, s->id, errno, msg);
        wfile_free(s, 1);
    } else {
        fb_begin(&a->out, T_FILE_DONE, s->id);
        fb_u64(&a->out, F_SIZE, w->size);
        send_built(a);
        free(w->tmp);
        w->tmp = NULL; /* renamed: nothing to remove */
        wfile_free(s, 0);
    }
    stream_unlink(a, s);
}

void file_write_data(struct agent *a, struct stream *s, const uint8_t *p, size_t n)
{
    struct wfile_state *w = &s->u.w;
    if (n == 0) {
        finish_write(a, s);
        return;
    }
    while (n > 0) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            char msg[600];
            snprintf(msg, sizeof msg, "cannot write %.500s", w->path);
            send_error(a, s->id, k < 0 ? errno : EIO, msg);
            wfile_free(s, 1);
            stream_unlink(a, s);
            return;
        }
        p += k;
        n -= (size_t)k;
        w->size += (uint64_t)k;
    }
}

/* ---- read ---- */

void file_read_start(struct agent *a, uint32_t id, const uint8_t *p, size_t n)
{
    struct file_req r;
    const char *why;
    char msg[600];
    if (parse_file(p, n, &r, &why)) {
        send_error_code(a, id, "EINVAL", why);
        return;
    }
    if (!absolute(a, id, r.path))
        goto out;
    /* O_NONBLOCK so that a FIFO cannot stall the agent in open(); only regular files are served. */
    int fd = open(r.path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(msg, sizeof msg, "cannot read %.500s", r.path);
        send_error(a, id, errno, msg);
        if (fd >= 0)
            close(fd);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(msg, sizeof msg, "%.500s is %s", r.path,
                 S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
        send_error_code(a, id, S_ISDIR(st.st_mode) ? "EISDIR" : "EINVAL", msg);
        goto out;
    }
    struct stream *s = stream_new(a, id, S_FILE_READ);
    if (!s) {
        close(fd);
        send_error_code(a, id, "ENOMEM", "out of memory");
        goto out;
    }
    s->u.r.fd = fd;
    fb_begin(&a->out, T_FILE_INFO, id);
    fb_u64(&a->out, F_SIZE, (uint64_t)st.st_size);
    fb_u32(&a->out, F_MODE, st.st_mode & 07777);
    send_built(a);
out:
    file_req_free(&r);
}

void file_read_step(struct agent *a, struct stream *s)
{
    struct rfile_state *rs = &s->u.r;
    ssize_t n = read(rs->fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR)
        return;
    if (n > 0) {
        send_frame(a, T_DATA, s->id, chunk, (size_t)n);
        rs->size += (uint64_t)n;
        return;
    }
    if (n == 0) {
        fb_begin(&a->out, T_FILE_DONE, s->id);
        fb_u64(&a->out, F_SIZE, rs->size);
        send_built(a);
    } else {
        send_error(a, s->id, errno, "reading the file failed");
    }
    close_if(&rs->fd);
    stream_unlink(a, s);
}

/* ---- ending early ---- */

void file_abandon(struct stream *s)
{
    if (s->kind == S_FILE_WRITE)
        wfile_free(s, 1);
    else
        close_if(&s->u.r.fd);
}

void file_cancel(struct agent *a, struct stream *s)
{
    file_abandon(s);
    send_error_code(a, s->id, "ECANCELED", "cancelled by the host");
    stream_unlink(a, s);
}
