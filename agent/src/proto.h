/*
 * The smolvm agent wire protocol: frames and the fields inside them.
 * Pure code (no I/O), so the fuzz tests can drive it directly.
 * docs/agent-protocol.md is the specification; keep the two in step.
 */
#ifndef SMOLVM_PROTO_H
#define SMOLVM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 1

/* length(4) type(1) stream(4); the length counts type + stream + payload. */
#define FRAME_PREFIX 4
#define FRAME_HEAD 5
#define MAX_PAYLOAD (1u << 20)
#define MAX_FRAME_LEN (FRAME_HEAD + MAX_PAYLOAD)
/* Data frames the agent sends carry at most this much, so one busy stream cannot hog the channel. */
#define CHUNK (64u * 1024u)

enum frame_type {
    T_HELLO = 0x01,        /* agent->host: version, caps; host->agent: "say hello again" */
    T_HELLO_ACK = 0x02,    /* host->agent: the version the host speaks */
    T_ERROR = 0x03,        /* either way: CODE, MESSAGE; ends the stream (stream 0: the connection) */
    T_PING = 0x04,         /* host->agent: any payload */
    T_PONG = 0x05,         /* agent->host: the ping's payload */
    T_EXEC = 0x10,         /* host->agent: start a process on a new stream */
    T_EXEC_STARTED = 0x11, /* agent->host: PID, WINDOW */
    T_STDIN = 0x12,        /* host->agent: raw bytes; empty = end of input */
    T_STDOUT = 0x13,       /* agent->host: raw bytes */
    T_STDERR = 0x14,       /* agent->host: raw bytes */
    T_EXIT = 0x15,         /* agent->host: CODE or SIGNAL; ends the stream */
    T_SIGNAL = 0x16,       /* host->agent: SIGNAL, sent to the process group */
    T_RESIZE = 0x17,       /* host->agent: ROWS, COLS (pty execs) */
    T_WINDOW = 0x18,       /* agent->host: WINDOW more stdin bytes may be sent */
    T_FILE_WRITE = 0x20,   /* host->agent: PATH, MODE, NO_MKDIR; then DATA frames, empty DATA = end */
    T_FILE_READ = 0x21,    /* host->agent: PATH */
    T_DATA = 0x22,         /* either way: raw file bytes */
    T_FILE_DONE = 0x23,    /* agent->host: SIZE; ends the stream */
    T_FILE_INFO = 0x24,    /* agent->host: SIZE, MODE before a read's DATA */
    T_CANCEL = 0x25,       /* host->agent: abandon a file stream */
    T_IDENTITY = 0x30,     /* host->agent: u64 big-endian wall clock (ns since the epoch; 0: keep), then entropy */
    T_IDENTITY_DONE = 0x31, /* agent->host: clock set, entropy added, the kernel's generator reseeded */
    T_NETID = 0x32,        /* host->agent: HOSTNAME, and MAC, ADDR, GATEWAY (a restored guest's own) */
    T_NETID_DONE = 0x33,   /* agent->host: hostname and network set */
    T_SYNC = 0x34,         /* host->agent: write the page cache and journals to disk (before a snapshot) */
    T_SYNC_DONE = 0x35,    /* agent->host: sync(2) returned */
};

/* Field keys inside T_HELLO, T_EXEC, ... payloads (key(1) length(4) value). */
enum field_key {
    F_VERSION = 1,   /* u32 */
    F_CAP = 2,       /* string, repeated */
    F_ARG = 3,       /* string, repeated: argv */
    F_SCRIPT = 4,    /* string: run with /bin/sh -lc */
    F_CWD = 5,       /* string */
    F_ENV = 6,       /* string NAME=value, repeated */
    F_PTY = 7,       /* u32 flag */
    F_ROWS = 8,      /* u32 */
    F_COLS = 9,      /* u32 */
    F_PID = 10,      /* u32 */
    F_CODE = 11,     /* u32: exit status in T_EXIT; string errno name in T_ERROR */
    F_SIGNAL = 12,   /* u32 */
    F_PATH = 13,     /* string */
    F_MODE = 14,     /* u32 */
    F_NO_MKDIR = 15, /* u32 flag */
    F_MESSAGE = 16,  /* string */
    F_SIZE = 17,     /* u64 */
    F_STDIN = 18,    /* u32 flag: the host will send stdin (else /dev/null) */
    F_WINDOW = 19,   /* u32 */
    F_AGENT = 20,    /* string: agent build */
    F_MAX_PAYLOAD = 21, /* u32 */
    F_USER = 22,     /* string: user[:group], names or numbers (Docker's USER) */
    F_HOSTNAME = 23, /* string */
    F_MAC = 24,      /* string aa:bb:cc:dd:ee:ff */
    F_ADDR = 25,     /* string a.b.c.d/prefix */
    F_GATEWAY = 26,  /* string a.b.c.d */
};

/* ---- reading ---- */

/* A frame whose head has been checked; payload points into the caller's buffer. */
struct frame {
    uint8_t type;
    uint32_t stream;
    const uint8_t *payload;
    uint32_t len;
};

enum split_result { SPLIT_NEED_MORE = 0, SPLIT_OK = 1, SPLIT_BAD = -1 };

/*
 * Looks for one complete frame at the start of buf[0..n). On SPLIT_OK fills *f and *used.
 * SPLIT_BAD means the length field is out of range: the stream cannot be re-synchronised.
 */
int frame_split(const uint8_t *buf, size_t n, struct frame *f, size_t *used);

struct field_iter {
    const uint8_t *p;
    size_t left;
};

/* 1: one field in key, val and len; 0: the end; -1: truncated field (the payload is malformed). */
int field_next(struct field_iter *it, uint8_t *key, const uint8_t **val, uint32_t *len);

/* Field values. Return 0 on success, -1 when the value has the wrong shape. */
int field_u32(const uint8_t *val, uint32_t len, uint32_t *out);
/* A NUL-terminated copy (malloc); refuses embedded NULs. */
int field_str(const uint8_t *val, uint32_t len, char **out);

/* ---- requests, parsed into owned structures ---- */

struct exec_req {
    char **argv;     /* NULL-terminated */
    size_t argc;
    char *script;
    char *cwd;
    char *user;      /* NULL: the agent's own (root) */
    char **env;      /* NAME=value, NULL-terminated */
    size_t envc;
    int pty;
    int want_stdin;
    uint32_t rows, cols;
};

/* 0 on success; -1 with *err a static sentence. On failure the request is already freed. */
int parse_exec(const uint8_t *p, size_t n, struct exec_req *r, const char **err);
void exec_req_free(struct exec_req *r);

struct file_req {
    char *path;
    uint32_t mode; /* 0 when not given */
    int has_mode;
    int no_mkdir;
};

int parse_file(const uint8_t *p, size_t n, struct file_req *r, const char **err);
void file_req_free(struct file_req *r);

/* Finds one u32 field (the last one wins). 1 found, 0 absent, -1 malformed. */
int find_u32(const uint8_t *p, size_t n, uint8_t key, uint32_t *out);

/* ---- writing ---- */

struct fbuf {
    uint8_t *b;
    size_t len, cap;
    int oom;
};

void fb_begin(struct fbuf *f, uint8_t type, uint32_t stream);
void fb_raw(struct fbuf *f, const void *p, size_t n);
void fb_u32(struct fbuf *f, uint8_t key, uint32_t v);
void fb_u64(struct fbuf *f, uint8_t key, uint64_t v);
void fb_str(struct fbuf *f, uint8_t key, const char *s);
/* Writes the length; returns 0, or -1 when memory ran out or the frame is too large. */
int fb_finish(struct fbuf *f);
void fb_free(struct fbuf *f);

uint32_t get_be32(const uint8_t *p);
void put_be32(uint8_t *p, uint32_t v);

#endif
