/* Frame splitting, field parsing and frame building. No I/O here. */
#include "proto.h"

#include <stdlib.h>
#include <string.h>

/* Counts are bounded by the payload size anyway; these keep allocations small and obvious. */
#define MAX_ARGS 4096
#define MAX_ENVS 4096

uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int frame_split(const uint8_t *buf, size_t n, struct frame *f, size_t *used)
{
    if (n < FRAME_PREFIX)
        return SPLIT_NEED_MORE;
    uint32_t len = get_be32(buf);
    /* Checked before waiting for the body: a bad length must not make us wait for 4 GiB. */
    if (len < FRAME_HEAD || len > MAX_FRAME_LEN)
        return SPLIT_BAD;
    if (n - FRAME_PREFIX < len)
        return SPLIT_NEED_MORE;
    f->type = buf[FRAME_PREFIX];
    f->stream = get_be32(buf + FRAME_PREFIX + 1);
    f->payload = buf + FRAME_PREFIX + FRAME_HEAD;
    f->len = len - FRAME_HEAD;
    *used = FRAME_PREFIX + (size_t)len;
    return SPLIT_OK;
}

int field_next(struct field_iter *it, uint8_t *key, const uint8_t **val, uint32_t *len)
{
    if (it->left == 0)
        return 0;
    if (it->left < 5)
        return -1;
    uint32_t l = get_be32(it->p + 1);
    if (l > it->left - 5)
        return -1;
    *key = it->p[0];
    *val = it->p + 5;
    *len = l;
    it->p += 5 + (size_t)l;
    it->left -= 5 + (size_t)l;
    return 1;
}

int field_u32(const uint8_t *val, uint32_t len, uint32_t *out)
{
    if (len != 4)
        return -1;
    *out = get_be32(val);
    return 0;
}

int field_str(const uint8_t *val, uint32_t len, char **out)
{
    if (memchr(val, 0, len))
        return -1;
    char *s = malloc((size_t)len + 1);
    if (!s)
        return -1;
    memcpy(s, val, len);
    s[len] = 0;
    *out = s;
    return 0;
}

static void free_strv(char **v)
{
    if (!v)
        return;
    for (char **q = v; *q; q++)
        free(*q);
    free(v);
}

/* Appends s to a NULL-terminated vector that has room for max entries. */
static int push_str(char ***v, size_t *n, size_t max, char *s)
{
    if (*n >= max)
        return -1;
    if (!*v) {
        *v = calloc(max + 1, sizeof(char *));
        if (!*v)
            return -1;
    }
    (*v)[(*n)++] = s;
    return 0;
}

void exec_req_free(struct exec_req *r)
{
    free_strv(r->argv);
    free_strv(r->env);
    free(r->script);
    free(r->cwd);
    free(r->user);
    memset(r, 0, sizeof *r);
}

/* A string field that may appear once; a second one is an error rather than a silent leak. */
static int once_str(const uint8_t *val, uint32_t len, char **slot)
{
    if (*slot)
        return -1;
    return field_str(val, len, slot);
}

int parse_exec(const uint8_t *p, size_t n, struct exec_req *r, const char **err)
{
    memset(r, 0, sizeof *r);
    struct field_iter it = { p, n };
    uint8_t key;
    const uint8_t *val;
    uint32_t len, u;
    int k;
    *err = "malformed exec request";
    while ((k = field_next(&it, &key, &val, &len)) == 1) {
        char *s = NULL;
        switch (key) {
        case F_ARG:
            if (field_str(val, len, &s) || push_str(&r->argv, &r->argc, MAX_ARGS, s)) {
                free(s);
                *err = "bad or too many arguments";
                goto fail;
            }
            break;
        case F_ENV:
            if (field_str(val, len, &s) || push_str(&r->env, &r->envc, MAX_ENVS, s)) {
                free(s);
                *err = "bad or too many environment entries";
                goto fail;
            }
            {
                char *eq = strchr(s, '=');
                if (!eq || eq == s) {
                    *err = "an environment entry must be NAME=value";
                    goto fail;
                }
            }
            break;
        case F_SCRIPT:
            if (once_str(val, len, &r->script))
                goto fail;
            break;
        case F_CWD:
            if (once_str(val, len, &r->cwd))
                goto fail;
            break;
        case F_USER:
            if (once_str(val, len, &r->user))
                goto fail;
            break;
        case F_PTY:
            if (field_u32(val, len, &u))
                goto fail;
            r->pty = u != 0;
            break;
        case F_STDIN:
            if (field_u32(val, len, &u))
                goto fail;
            r->want_stdin = u != 0;
            break;
        case F_ROWS:
            if (field_u32(val, len, &r->rows))
                goto fail;
            break;
        case F_COLS:
            if (field_u32(val, len, &r->cols))
                goto fail;
            break;
        default:
            break; /* unknown fields are skipped: newer hosts may add some */
        }
    }
    if (k < 0)
        goto fail;
    if ((r->argc == 0) == (r->script == NULL)) {
        *err = "an exec needs either arguments or a script, not both";
        goto fail;
    }
    if (r->cwd && r->cwd[0] != '/') {
        *err = "the working directory must be an absolute path";
        goto fail;
    }
    if (r->rows > 0xffff || r->cols > 0xffff) {
        *err = "terminal size out of range";
        goto fail;
    }
    return 0;
fail:
    exec_req_free(r);
    return -1;
}

void file_req_free(struct file_req *r)
{
    free(r->path);
    memset(r, 0, sizeof *r);
}

int parse_file(const uint8_t *p, size_t n, struct file_req *r, const char **err)
{
    memset(r, 0, sizeof *r);
    struct field_iter it = { p, n };
    uint8_t key;
    const uint8_t *val;
    uint32_t len, u;
    int k;
    *err = "malformed file request";
    while ((k = field_next(&it, &key, &val, &len)) == 1) {
        switch (key) {
        case F_PATH:
            if (once_str(val, len, &r->path))
                goto fail;
            break;
        case F_MODE:
            if (field_u32(val, len, &u) || u > 07777)
                goto fail;
            r->mode = u;
            r->has_mode = 1;
            break;
        case F_NO_MKDIR:
            if (field_u32(val, len, &u))
                goto fail;
            r->no_mkdir = u != 0;
            break;
        default:
            break;
        }
    }
    if (k < 0)
        goto fail;
    if (!r->path || !r->path[0]) {
        *err = "a file request needs a path";
        goto fail;
    }
    return 0;
fail:
    file_req_free(r);
    return -1;
}

int find_u32(const uint8_t *p, size_t n, uint8_t want, uint32_t *out)
{
    struct field_iter it = { p, n };
    uint8_t key;
    const uint8_t *val;
    uint32_t len;
    int k, found = 0;
    while ((k = field_next(&it, &key, &val, &len)) == 1) {
        if (key == want) {
            if (field_u32(val, len, out))
                return -1;
            found = 1;
        }
    }
    return k < 0 ? -1 : found;
}

/* ---- writing ---- */

static void fb_reserve(struct fbuf *f, size_t more)
{
    if (f->oom)
        return;
    if (f->len + more <= f->cap)
        return;
    size_t cap = f->cap ? f->cap : 256;
    while (cap < f->len + more)
        cap *= 2;
    uint8_t *b = realloc(f->b, cap);
    if (!b) {
        f->oom = 1;
        return;
    }
    f->b = b;
    f->cap = cap;
}

void fb_raw(struct fbuf *f, const void *p, size_t n)
{
    fb_reserve(f, n);
    if (f->oom)
        return;
    if (n)
        memcpy(f->b + f->len, p, n);
    f->len += n;
}

void fb_begin(struct fbuf *f, uint8_t type, uint32_t stream)
{
    uint8_t head[FRAME_PREFIX + FRAME_HEAD];
    f->len = 0;
    f->oom = 0;
    put_be32(head, 0);
    head[4] = type;
    put_be32(head + 5, stream);
    fb_raw(f, head, sizeof head);
}

static void fb_field_head(struct fbuf *f, uint8_t key, uint32_t len)
{
    uint8_t h[5];
    h[0] = key;
    put_be32(h + 1, len);
    fb_raw(f, h, sizeof h);
}

void fb_u32(struct fbuf *f, uint8_t key, uint32_t v)
{
    uint8_t b[4];
    put_be32(b, v);
    fb_field_head(f, key, 4);
    fb_raw(f, b, 4);
}

void fb_u64(struct fbuf *f, uint8_t key, uint64_t v)
{
    uint8_t b[8];
    put_be32(b, (uint32_t)(v >> 32));
    put_be32(b + 4, (uint32_t)v);
    fb_field_head(f, key, 8);
    fb_raw(f, b, 8);
}

void fb_str(struct fbuf *f, uint8_t key, const char *s)
{
    size_t n = strlen(s);
    if (n > MAX_PAYLOAD)
        n = MAX_PAYLOAD;
    fb_field_head(f, key, (uint32_t)n);
    fb_raw(f, s, n);
}

int fb_finish(struct fbuf *f)
{
    if (f->oom || f->len < FRAME_PREFIX + FRAME_HEAD || f->len - FRAME_PREFIX > MAX_FRAME_LEN)
        return -1;
    put_be32(f->b, (uint32_t)(f->len - FRAME_PREFIX));
    return 0;
}

void fb_free(struct fbuf *f)
{
    free(f->b);
    memset(f, 0, sizeof *f);
}
