/* Shared state of the agent: one connection to the host, and the streams open on it. */
#ifndef SMOLVM_AGENT_H
#define SMOLVM_AGENT_H

#include "proto.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AGENT_BUILD "smolvm-agent 1"
/* How many stdin bytes the host may have in flight per exec before it waits for T_WINDOW. */
#define STDIN_WINDOW (256u * 1024u)
#define MAX_STREAMS 256

enum stream_kind { S_EXEC, S_FILE_WRITE, S_FILE_READ };

struct exec_state {
    pid_t pid;          /* also the process group and session id (the child calls setsid) */
    int out_fd, err_fd; /* -1 once at end of file; with a pty, out_fd is the master */
    int in_fd;          /* -1 when closed or never opened; with a pty, a dup of the master */
    int pty;
    uint8_t *inq;       /* stdin bytes received but not yet taken by the process */
    size_t inq_len;
    size_t credit_owed; /* bytes taken by the process since the last T_WINDOW */
    int in_eof;         /* the host said end of input: close in_fd once inq is empty */
};

struct wfile_state {
    int fd;
    char *tmp;  /* temporary name in the target's directory */
    char *path; /* the target */
    uint32_t mode;
    uint64_t size;
};

struct rfile_state {
    int fd;
    uint64_t size;
};

struct stream {
    uint32_t id;
    enum stream_kind kind;
    struct stream *next;
    union {
        struct exec_state x;
        struct wfile_state w;
        struct rfile_state r;
    } u;
};

struct agent {
    int in_fd, out_fd;
    const char *device; /* set in device mode: reopened when the host goes away */
    int acked;          /* the host answered our hello */
    int desync;         /* a framing error: ignore input until the host hangs up */
    int host_gone;      /* a write failed: treat as a hang-up */
    uint8_t *inbuf;
    size_t inlen, incap;
    struct stream *streams;
    int nstreams;
    int sigfd;
    struct fbuf out;    /* reused for every frame we send */
};

/* agent.c */
/* Sends the frame built in a->out with fb_begin/fb_* (one write, so frames never interleave). */
void send_built(struct agent *a);
void send_frame(struct agent *a, uint8_t type, uint32_t stream, const void *data, size_t n);
void send_error(struct agent *a, uint32_t stream, int err, const char *message);
void send_error_code(struct agent *a, uint32_t stream, const char *code, const char *message);
struct stream *stream_find(struct agent *a, uint32_t id);
struct stream *stream_new(struct agent *a, uint32_t id, enum stream_kind kind);
void stream_unlink(struct agent *a, struct stream *s);
const char *errno_name(int err);
void logmsg(const char *fmt, ...);
/*
 * Test builds only (-DSMOLVM_AGENT_CONFINE): the fuzz harness sends random requests, so the
 * binary it runs may touch files only under $SMOLVM_AGENT_CONFINE and run only a few harmless
 * programs. Production builds compile these to "allowed".
 */
int confine_path_ok(const char *path);
int confine_exec_ok(char *const *argv, const char *script);

/* netid.c */
void netid_apply(struct agent *a, uint32_t id, const uint8_t *p, size_t n);

/* exec.c */
void exec_start(struct agent *a, uint32_t id, const uint8_t *p, size_t n);
void exec_stdin(struct agent *a, struct stream *s, const uint8_t *p, size_t n);
void exec_signal(struct agent *a, struct stream *s, const uint8_t *p, size_t n);
void exec_resize(struct agent *a, struct stream *s, const uint8_t *p, size_t n);
void exec_readable(struct agent *a, struct stream *s, int fd);
void exec_writable(struct agent *a, struct stream *s);
void exec_reap(struct agent *a);
void exec_abandon(struct stream *s);
/* Closes the stdin pipe once the host said end of input and everything was written. */
void exec_maybe_close_stdin(struct agent *a, struct stream *s);

/* files.c */
void file_write_start(struct agent *a, uint32_t id, const uint8_t *p, size_t n);
void file_write_data(struct agent *a, struct stream *s, const uint8_t *p, size_t n);
void file_read_start(struct agent *a, uint32_t id, const uint8_t *p, size_t n);
void file_read_step(struct agent *a, struct stream *s);
void file_cancel(struct agent *a, struct stream *s);
void file_abandon(struct stream *s);

#endif
