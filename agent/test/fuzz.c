/*
 * Fuzz and edge-case tests of the agent's protocol handling, meant to run under ASan+UBSan:
 *   1. the pure parser (proto.c) in this process, on random and mutated bytes;
 *   2. hand-made bad input against the real agent binary (truncated header, huge length,
 *      zero length, unknown type, bad stream ids, malformed fields, no handshake);
 *   3. sessions of random and mutated frames against the real agent binary.
 * For 2 and 3 the agent runs as a child on a socketpair; every byte it sends back must parse
 * as frames, and it must exit 0 at end of input (a sanitizer report makes it exit 86 or die).
 * Deterministic: a fixed-seed xorshift generator, so a failure repeats.
 *
 * usage: fuzz-asan AGENT_BINARY
 */
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *agent_bin;
static char confine[] = "/tmp/smolvm-agent-fuzz-XXXXXX";
static int failures;
static char agent_log[] = "/tmp/smolvm-agent-fuzz-log-XXXXXX";

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                               \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* ---- deterministic randomness ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static uint32_t below(uint32_t n)
{
    return n ? rnd() % n : 0;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

/* ---- part 1: the parser in-process ---- */

static void parse_everything(const uint8_t *buf, size_t n)
{
    struct frame f;
    size_t used, off = 0;
    while (off < n && frame_split(buf + off, n - off, &f, &used) == SPLIT_OK) {
        struct exec_req x;
        struct file_req r;
        const char *err;
        uint32_t u;
        if (parse_exec(f.payload, f.len, &x, &err) == 0)
            exec_req_free(&x);
        if (parse_file(f.payload, f.len, &r, &err) == 0)
            file_req_free(&r);
        find_u32(f.payload, f.len, (uint8_t)below(24), &u);
        off += used;
    }
    /* The field parser on its own, on the raw bytes. */
    struct field_iter it = { buf, n };
    uint8_t key;
    const uint8_t *val;
    uint32_t len;
    while (field_next(&it, &key, &val, &len) == 1)
        CHECK(val + len <= buf + n, "field runs past the buffer");
}

/* A well-formed exec request, built with the agent's own writer. */
static void build_exec(struct fbuf *f, uint32_t stream)
{
    static const char *progs[] = { "/bin/true", "/bin/echo", "/bin/cat", "/bin/sleep", "/nonexistent" };
    fb_begin(f, T_EXEC, stream);
    int args = 1 + (int)below(4);
    fb_str(f, F_ARG, progs[below(5)]);
    for (int i = 1; i < args; i++)
        fb_str(f, F_ARG, i == 1 && below(2) ? "0.01" : "x y");
    if (below(3) == 0)
        fb_str(f, F_CWD, below(2) ? "/tmp" : "/nonexistent-dir");
    if (below(3) == 0)
        fb_str(f, F_ENV, below(4) ? "A=b" : "=bad");
    if (below(2))
        fb_u32(f, F_STDIN, 1);
    if (below(5) == 0) {
        fb_u32(f, F_PTY, 1);
        fb_u32(f, F_ROWS, below(100));
        fb_u32(f, F_COLS, below(300));
    }
    if (below(6) == 0)
        fb_str(f, F_SCRIPT, "echo no");
}

static void build_file(struct fbuf *f, uint8_t type, uint32_t stream)
{
    char path[128];
    static const char *names[] = { "a", "b/c", "d/e/f", "", "../x", "b" };
    if (below(8) == 0)
        snprintf(path, sizeof path, "relative/%u", below(9));
    else
        snprintf(path, sizeof path, "%s/%s", confine, names[below(6)]);
    fb_begin(f, type, stream);
    fb_str(f, F_PATH, path);
    if (below(2))
        fb_u32(f, F_MODE, below(2) ? 0640 : 0777777);
    if (below(4) == 0)
        fb_u32(f, F_NO_MKDIR, 1);
}

static void test_parser(void)
{
    uint8_t buf[4096];
    struct fbuf f = { 0 };
    for (int i = 0; i < 200000; i++) {
        size_t n;
        if (i % 2) {
            n = below(sizeof buf);
            rnd_bytes(buf, n);
        } else {
            /* A real frame, then mutated: most of the parser's paths need almost-valid input. */
            if (i % 4)
                build_exec(&f, rnd());
            else
                build_file(&f, T_FILE_WRITE, rnd());
            if (fb_finish(&f))
                continue;
            n = f.len < sizeof buf ? f.len : sizeof buf;
            memcpy(buf, f.b, n);
            for (uint32_t k = below(4); k > 0; k--)
                buf[below((uint32_t)n)] = (uint8_t)rnd();
            if (below(4) == 0)
                n = below((uint32_t)n + 1);
        }
        parse_everything(buf, n);
    }
    /* What the writer builds, the reader reads back. */
    build_exec(&f, 42);
    CHECK(fb_finish(&f) == 0, "build");
    struct frame fr;
    size_t used;
    CHECK(frame_split(f.b, f.len, &fr, &used) == SPLIT_OK && used == f.len && fr.stream == 42 &&
              fr.type == T_EXEC, "round trip");
    /* Every shorter prefix needs more bytes; a bad length is refused before waiting for it. */
    for (size_t k = 0; k < f.len; k++)
        CHECK(frame_split(f.b, k, &fr, &used) == SPLIT_NEED_MORE, "prefix %zu", k);
    uint8_t huge[9] = { 0x7f, 0xff, 0xff, 0xff, T_PING, 0, 0, 0, 1 };
    CHECK(frame_split(huge, 4, &fr, &used) == SPLIT_BAD, "huge length");
    uint8_t tiny[9] = { 0, 0, 0, 4, T_PING, 0, 0, 0, 1 };
    CHECK(frame_split(tiny, sizeof tiny, &fr, &used) == SPLIT_BAD, "length below the head");
    uint8_t zero[4] = { 0, 0, 0, 0 };
    CHECK(frame_split(zero, sizeof zero, &fr, &used) == SPLIT_BAD, "zero length");
    fb_free(&f);
    printf("parser: 200000 random and mutated inputs\n");
}

/* ---- the agent as a child process ---- */

struct reply {
    uint8_t type;
    uint32_t stream;
    char code[32];
};

struct session {
    uint8_t *out; /* what the agent sent */
    size_t out_len, out_cap;
    struct reply replies[4096];
    size_t nreplies;
    int status;
};

static pid_t spawn_agent(int *sock)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        perror("socketpair");
        exit(2);
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(sv[1], 3);
        /* The agent's log lines and any sanitizer report: shown when the session fails. */
        int log = open(agent_log, O_WRONLY | O_TRUNC);
        if (log >= 0)
            dup2(log, 2);
        setenv("SMOLVM_AGENT_CONFINE", confine, 1);
        execl(agent_bin, agent_bin, "--fd", "3", (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    *sock = sv[0];
    return pid;
}

static void collect(struct session *s, const uint8_t *p, size_t n)
{
    if (s->out_len + n > s->out_cap) {
        s->out_cap = (s->out_len + n) * 2;
        s->out = realloc(s->out, s->out_cap);
    }
    memcpy(s->out + s->out_len, p, n);
    s->out_len += n;
}

/* Checks that the agent's output is a sequence of whole frames, and notes each one. */
static void parse_replies(struct session *s, const char *name)
{
    size_t off = 0, used;
    struct frame f;
    while (off < s->out_len) {
        int r = frame_split(s->out + off, s->out_len - off, &f, &used);
        CHECK(r == SPLIT_OK, "%s: the agent sent a bad or partial frame at byte %zu", name, off);
        if (r != SPLIT_OK)
            return;
        if (s->nreplies < sizeof s->replies / sizeof s->replies[0]) {
            struct reply *rep = &s->replies[s->nreplies++];
            rep->type = f.type;
            rep->stream = f.stream;
            rep->code[0] = 0;
            struct field_iter it = { f.payload, f.len };
            uint8_t key;
            const uint8_t *val;
            uint32_t len;
            while (f.type == T_ERROR && field_next(&it, &key, &val, &len) == 1)
                if (key == F_CODE && len < sizeof rep->code) {
                    memcpy(rep->code, val, len);
                    rep->code[len] = 0;
                }
        }
        off += used;
    }
}

/*
 * Sends input to a fresh agent, closes our sending side, and reads everything the agent
 * says until it closes. Writing and reading are interleaved, since the agent blocks when
 * we do not read.
 */
static void run_session(struct session *s, const uint8_t *in, size_t in_len, const char *name)
{
    memset(s, 0, sizeof *s);
    int fd;
    pid_t pid = spawn_agent(&fd);
    size_t sent = 0;
    int write_open = 1;
    uint8_t buf[65536];
    for (;;) {
        if (write_open && sent == in_len) {
            shutdown(fd, SHUT_WR);
            write_open = 0;
        }
        struct pollfd p = { .fd = fd, .events = POLLIN | (write_open ? POLLOUT : 0) };
        if (poll(&p, 1, 20000) <= 0) {
            CHECK(0, "%s: the agent went silent for 20 s", name);
            kill(pid, SIGKILL);
            break;
        }
        if (p.revents & POLLOUT) {
            ssize_t w = write(fd, in + sent, in_len - sent);
            if (w > 0)
                sent += (size_t)w;
            else if (w < 0 && errno != EAGAIN)
                write_open = 0; /* the agent closed: fine, it may drop us */
        }
        if (p.revents & (POLLIN | POLLHUP)) {
            ssize_t r = read(fd, buf, sizeof buf);
            if (r > 0)
                collect(s, buf, (size_t)r);
            else if (r == 0 || errno != EAGAIN)
                break;
        }
    }
    close(fd);
    waitpid(pid, &s->status, 0);
    int ok = WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0;
    CHECK(ok, "%s: the agent ended with status 0x%x (86: a sanitizer report); its stderr follows", name,
          s->status);
    if (!ok) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "cat %s >&2", agent_log);
        if (system(cmd) != 0)
            fprintf(stderr, "(no log)\n");
    }
    parse_replies(s, name);
}

static void session_free(struct session *s)
{
    free(s->out);
    s->out = NULL;
}

static int has_reply(const struct session *s, uint8_t type, uint32_t stream, const char *code)
{
    for (size_t i = 0; i < s->nreplies; i++)
        if (s->replies[i].type == type && s->replies[i].stream == stream &&
            (!code || !strcmp(s->replies[i].code, code)))
            return 1;
    return 0;
}

/* ---- part 2: hand-made cases ---- */

struct input {
    uint8_t *b;
    size_t len, cap;
};

static void in_raw(struct input *in, const void *p, size_t n)
{
    if (in->len + n > in->cap) {
        in->cap = (in->len + n) * 2 + 64;
        in->b = realloc(in->b, in->cap);
    }
    memcpy(in->b + in->len, p, n);
    in->len += n;
}

static void in_frame(struct input *in, struct fbuf *f)
{
    if (fb_finish(f) == 0)
        in_raw(in, f->b, f->len);
}

static void in_ack(struct input *in)
{
    struct fbuf f = { 0 };
    fb_begin(&f, T_HELLO_ACK, 0);
    fb_u32(&f, F_VERSION, PROTO_VERSION);
    in_frame(in, &f);
    fb_free(&f);
}

static void in_simple(struct input *in, uint8_t type, uint32_t stream)
{
    struct fbuf f = { 0 };
    fb_begin(&f, type, stream);
    in_frame(in, &f);
    fb_free(&f);
}

static void test_edges(void)
{
    struct session s;
    struct input in = { 0 };
    struct fbuf f = { 0 };
    int cases = 0;

    /* Nothing at all: the agent says hello and leaves at end of input. */
    run_session(&s, NULL, 0, "empty");
    CHECK(s.nreplies == 1 && s.replies[0].type == T_HELLO, "empty: one hello");
    session_free(&s);
    cases++;

    uint8_t trunc[] = { 0, 0, 0 };
    run_session(&s, trunc, sizeof trunc, "truncated header");
    session_free(&s);
    cases++;

    uint8_t half[] = { 0, 0, 0, 20, T_PING, 0, 0 };
    run_session(&s, half, sizeof half, "truncated body");
    session_free(&s);
    cases++;

    in.len = 0;
    in_ack(&in);
    uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, T_PING, 0, 0, 0, 1 };
    in_raw(&in, huge, sizeof huge);
    in_simple(&in, T_PING, 5); /* after a framing error: ignored */
    run_session(&s, in.b, in.len, "huge length");
    CHECK(has_reply(&s, T_ERROR, 0, "EPROTO"), "huge length: EPROTO on stream 0");
    CHECK(!has_reply(&s, T_PONG, 5, NULL), "huge length: nothing answered after it");
    session_free(&s);
    cases++;

    in.len = 0;
    in_ack(&in);
    uint8_t zero[] = { 0, 0, 0, 0 };
    in_raw(&in, zero, sizeof zero);
    run_session(&s, in.b, in.len, "zero length");
    CHECK(has_reply(&s, T_ERROR, 0, "EPROTO"), "zero length: EPROTO");
    session_free(&s);
    cases++;

    in.len = 0;
    in_simple(&in, T_PING, 1);
    run_session(&s, in.b, in.len, "no handshake");
    CHECK(has_reply(&s, T_ERROR, 1, "EPROTO") && !has_reply(&s, T_PONG, 1, NULL), "no handshake: refused");
    session_free(&s);
    cases++;

    in.len = 0;
    fb_begin(&f, T_HELLO_ACK, 0);
    fb_u32(&f, F_VERSION, 99);
    in_frame(&in, &f);
    in_simple(&in, T_PING, 1);
    run_session(&s, in.b, in.len, "bad version");
    CHECK(has_reply(&s, T_ERROR, 0, "EPROTO") && !has_reply(&s, T_PONG, 1, NULL), "bad version: refused");
    session_free(&s);
    cases++;

    in.len = 0;
    in_ack(&in);
    in_simple(&in, 0xee, 7);
    in_simple(&in, T_PING, 8);
    run_session(&s, in.b, in.len, "unknown type");
    CHECK(has_reply(&s, T_ERROR, 7, "EPROTO"), "unknown type: error on its stream");
    CHECK(has_reply(&s, T_PONG, 8, NULL), "unknown type: the session goes on");
    session_free(&s);
    cases++;

    in.len = 0;
    in_ack(&in);
    build_file(&f, T_FILE_READ, 0);
    in_frame(&in, &f);
    fb_begin(&f, T_EXEC, 3);
    fb_str(&f, F_ARG, "/bin/cat");
    fb_u32(&f, F_STDIN, 1);
    in_frame(&in, &f);
    fb_begin(&f, T_EXEC, 3); /* the same id again while it runs */
    fb_str(&f, F_ARG, "/bin/true");
    in_frame(&in, &f);
    in_simple(&in, T_STDIN, 999); /* stream never opened: dropped */
    in_simple(&in, T_DATA, 0xffffffffu);
    in_simple(&in, T_STDIN, 3);   /* end of cat's input: it exits */
    run_session(&s, in.b, in.len, "stream ids");
    CHECK(has_reply(&s, T_ERROR, 0, "EPROTO"), "stream 0 refused");
    CHECK(has_reply(&s, T_ERROR, 3, "EBUSY"), "stream in use refused");
    CHECK(has_reply(&s, T_EXEC_STARTED, 3, NULL), "the first exec on stream 3 started");
    session_free(&s);
    cases++;

    in.len = 0;
    in_ack(&in);
    uint8_t bad_fields[] = { 0, 0, 0, 5 + 7, T_EXEC, 0, 0, 0, 4, F_ARG, 0, 0, 0, 9, 'a', 'b' };
    in_raw(&in, bad_fields, sizeof bad_fields);
    fb_begin(&f, T_EXEC, 5);
    fb_str(&f, F_ARG, "/bin/echo");
    fb_raw(&f, "\x03\x00\x00\x00\x02" "a\0", 7); /* an argument with a NUL in it */
    in_frame(&in, &f);
    fb_begin(&f, T_EXEC, 6); /* neither argv nor script */
    in_frame(&in, &f);
    run_session(&s, in.b, in.len, "malformed fields");
    CHECK(has_reply(&s, T_ERROR, 4, "EINVAL") && has_reply(&s, T_ERROR, 5, "EINVAL") &&
              has_reply(&s, T_ERROR, 6, "EINVAL"), "malformed fields: EINVAL each");
    session_free(&s);
    cases++;

    fb_free(&f);
    free(in.b);
    printf("edge cases: %d sessions\n", cases);
}

/* ---- part 3: random sessions ---- */

static void random_frame(struct input *in, struct fbuf *f)
{
    uint32_t stream = below(8); /* few ids, so requests collide and data meets open streams */
    uint8_t junk[512];
    size_t jn = below(sizeof junk);
    rnd_bytes(junk, jn);
    switch (below(14)) {
    case 0: build_exec(f, stream); break;
    case 1: build_file(f, T_FILE_WRITE, stream); break;
    case 2: build_file(f, T_FILE_READ, stream); break;
    case 3: fb_begin(f, T_STDIN, stream); fb_raw(f, junk, below(2) ? jn : 0); break;
    case 4: fb_begin(f, T_DATA, stream); fb_raw(f, junk, below(2) ? jn : 0); break;
    case 5: fb_begin(f, T_SIGNAL, stream); fb_u32(f, F_SIGNAL, below(70)); break;
    case 6: fb_begin(f, T_RESIZE, stream); fb_u32(f, F_ROWS, rnd()); fb_u32(f, F_COLS, below(200)); break;
    case 7: fb_begin(f, T_CANCEL, stream); break;
    case 8: fb_begin(f, T_PING, stream); fb_raw(f, junk, jn); break;
    case 9: fb_begin(f, T_HELLO, 0); break;
    case 10: fb_begin(f, T_HELLO_ACK, 0); fb_u32(f, F_VERSION, below(3) ? 1 : rnd()); break;
    case 11: fb_begin(f, (uint8_t)rnd(), rnd()); fb_raw(f, junk, jn); break;
    default: fb_begin(f, (uint8_t)(0x10 + below(0x16)), stream); fb_raw(f, junk, jn); break;
    }
    if (fb_finish(f))
        return;
    /* Sometimes damage the frame: any byte, including its length (which ends the session). */
    if (below(10) == 0)
        f->b[below((uint32_t)f->len)] = (uint8_t)rnd();
    in_raw(in, f->b, f->len);
}

static void test_random_sessions(int sessions)
{
    struct input in = { 0 };
    struct fbuf f = { 0 };
    size_t frames = 0;
    for (int i = 0; i < sessions; i++) {
        char name[64];
        snprintf(name, sizeof name, "random session %d", i);
        in.len = 0;
        if (below(8))
            in_ack(&in);
        int n = 20 + (int)below(60);
        for (int k = 0; k < n; k++)
            random_frame(&in, &f);
        if (below(5) == 0) { /* end mid-frame */
            uint8_t part[3] = { 0, 1, 0 };
            in_raw(&in, part, below(4));
        }
        frames += (size_t)n;
        struct session s;
        run_session(&s, in.b, in.len, name);
        session_free(&s);
    }
    fb_free(&f);
    free(in.b);
    printf("random sessions: %d sessions, %zu frames\n", sessions, frames);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s AGENT_BINARY\n", argv[0]);
        return 2;
    }
    agent_bin = argv[1];
    signal(SIGPIPE, SIG_IGN);
    int log = mkstemp(agent_log);
    if (!mkdtemp(confine) || log < 0) {
        perror("mkdtemp");
        return 2;
    }
    close(log);
    test_parser();
    test_edges();
    test_random_sessions(getenv("FUZZ_SESSIONS") ? atoi(getenv("FUZZ_SESSIONS")) : 150);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", confine, agent_log);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", confine);
    if (failures)
        printf("fuzz: %d checks FAILED\n", failures);
    else
        printf("fuzz: all checks passed\n");
    return failures ? 1 : 0;
}
