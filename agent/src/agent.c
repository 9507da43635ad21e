/*
 * smolvm-agent: runs in the guest, talks to the host over one byte stream (a virtio-serial
 * port in a guest; a pipe or socket in tests), and does what the host asks: run processes,
 * write and read files. One thread, one poll() loop: every process pipe and the channel are
 * in the same poll set, so memory stays at a few pages however many requests are open.
 */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PORT "dev.smolvm.agent"

static const char *CAPS[] = { "ping", "exec", "exec.pty", "exec.user", "identity", "identity.net", "signal", "file.write", "file.read", "sync" };

/* ---- logging and errors ---- */

void logmsg(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = sizeof line - 2;
    line[n++] = '\n';
    /* Best effort: the console may be gone, and a log line is never worth failing for. */
    ssize_t ignored = write(2, line, (size_t)n);
    (void)ignored;
}

const char *errno_name(int err)
{
    switch (err) {
    case ENOENT: return "ENOENT";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOSPC: return "ENOSPC";
    case EDQUOT: return "EDQUOT";
    case EROFS: return "EROFS";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ELOOP: return "ELOOP";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case EAGAIN: return "EAGAIN";
    case EBUSY: return "EBUSY";
    case EFBIG: return "EFBIG";
    case EXDEV: return "EXDEV";
    case ETXTBSY: return "ETXTBSY";
    case E2BIG: return "E2BIG";
    case ESRCH: return "ESRCH";
    case EPROTO: return "EPROTO";
    case ECANCELED: return "ECANCELED";
    default: return "EIO";
    }
}

#ifdef SMOLVM_AGENT_CONFINE
int confine_path_ok(const char *path)
{
    const char *root = getenv("SMOLVM_AGENT_CONFINE");
    size_t n = root ? strlen(root) : 0;
    return n > 1 && strncmp(path, root, n) == 0 && path[n] == '/' && !strstr(path, "/..");
}

int confine_exec_ok(char *const *argv, const char *script)
{
    static const char *ok[] = { "/bin/true", "/bin/echo", "/bin/cat", "/bin/sleep", "/nonexistent" };
    if (script || !argv || !argv[0])
        return 0;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!strcmp(argv[0], ok[i]))
            return 1;
    return 0;
}
#else
int confine_path_ok(const char *path)
{
    (void)path;
    return 1;
}

int confine_exec_ok(char *const *argv, const char *script)
{
    (void)argv;
    (void)script;
    return 1;
}
#endif

/* ---- sending ---- */

/* Writes all of buf; on any failure but EINTR/EAGAIN the host is taken to be gone. */
static void write_all(struct agent *a, const uint8_t *buf, size_t n)
{
    while (n > 0 && !a->host_gone) {
        ssize_t w = write(a->out_fd, buf, n);
        if (w > 0) {
            buf += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && errno == EAGAIN) {
            struct pollfd p = { .fd = a->out_fd, .events = POLLOUT };
            poll(&p, 1, 1000);
        } else {
            a->host_gone = 1;
        }
    }
}

void send_built(struct agent *a)
{
    if (fb_finish(&a->out) == 0)
        write_all(a, a->out.b, a->out.len);
    else
        logmsg("smolvm-agent: could not build a frame (out of memory?)");
}

void send_frame(struct agent *a, uint8_t type, uint32_t stream, const void *data, size_t n)
{
    fb_begin(&a->out, type, stream);
    fb_raw(&a->out, data, n);
    send_built(a);
}

void send_error_code(struct agent *a, uint32_t stream, const char *code, const char *message)
{
    fb_begin(&a->out, T_ERROR, stream);
    fb_str(&a->out, F_CODE, code);
    fb_str(&a->out, F_MESSAGE, message);
    send_built(a);
}

void send_error(struct agent *a, uint32_t stream, int err, const char *message)
{
    char line[1024];
    snprintf(line, sizeof line, "%s: %s", message, strerror(err));
    send_error_code(a, stream, errno_name(err), line);
}

static void send_hello(struct agent *a)
{
    fb_begin(&a->out, T_HELLO, 0);
    fb_u32(&a->out, F_VERSION, PROTO_VERSION);
    for (size_t i = 0; i < sizeof CAPS / sizeof CAPS[0]; i++)
        fb_str(&a->out, F_CAP, CAPS[i]);
    fb_str(&a->out, F_AGENT, AGENT_BUILD);
    fb_u32(&a->out, F_MAX_PAYLOAD, MAX_PAYLOAD);
    fb_u32(&a->out, F_PID, (uint32_t)getpid());
    send_built(a);
}

/* ---- streams ---- */

struct stream *stream_find(struct agent *a, uint32_t id)
{
    for (struct stream *s = a->streams; s; s = s->next)
        if (s->id == id)
            return s;
    return NULL;
}

struct stream *stream_new(struct agent *a, uint32_t id, enum stream_kind kind)
{
    struct stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->id = id;
    s->kind = kind;
    s->next = a->streams;
    a->streams = s;
    a->nstreams++;
    return s;
}

void stream_unlink(struct agent *a, struct stream *s)
{
    for (struct stream **pp = &a->streams; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            a->nstreams--;
            free(s);
            return;
        }
    }
}

/* Ends everything the previous host started: its processes are killed, half-written files removed. */
static void session_reset(struct agent *a)
{
    while (a->streams) {
        struct stream *s = a->streams;
        if (s->kind == S_EXEC)
            exec_abandon(s);
        else
            file_abandon(s);
        stream_unlink(a, s);
    }
    a->acked = 0;
    a->desync = 0;
}

/* A request that opens a stream: the id must be usable. Answers the error itself. */
static int stream_id_ok(struct agent *a, uint32_t id)
{
    if (id == 0) {
        send_error_code(a, 0, "EPROTO", "stream 0 is the connection; a request needs its own stream id");
        return 0;
    }
    if (stream_find(a, id)) {
        send_error_code(a, id, "EBUSY", "that stream id is already in use");
        return 0;
    }
    if (a->nstreams >= MAX_STREAMS) {
        send_error_code(a, id, "EAGAIN", "too many open requests");
        return 0;
    }
    return 1;
}

/* ---- dispatch ---- */

/*
 * After a restore from a snapshot every copy of the guest has the same clock (the moment of the
 * snapshot) and the same random generator state: the host sends the time and fresh entropy, which
 * is credited and made to reseed the kernel's generator at once (RNDRESEEDCRNG).
 */
/* From <linux/random.h>, which musl's toolchain does not carry. */
struct rand_pool_info {
    int entropy_count;
    int buf_size;
};
#define RNDADDENTROPY 0x40085203  /* _IOW('R', 0x03, int[2]) */
#define RNDRESEEDCRNG 0x5207      /* _IO('R', 0x07) */

static void identity_apply(struct agent *a, uint32_t id, const uint8_t *p, size_t n)
{
    enum { MAX_ENTROPY = 512 };
    if (n < 8 || n > 8 + MAX_ENTROPY) {
        send_error_code(a, id, "EINVAL", "an identity request is 8 bytes of clock and at most 512 of entropy");
        return;
    }
#ifdef SMOLVM_AGENT_CONFINE
    (void)p;
    send_error_code(a, id, "EACCES", "outside the test confinement"); /* never the test host's clock */
    return;
#else
    uint64_t ns = 0;
    for (int i = 0; i < 8; i++)
        ns = ns << 8 | p[i];
    size_t k = n - 8;
    union {
        struct rand_pool_info info;
        uint8_t raw[sizeof(struct rand_pool_info) + MAX_ENTROPY];
    } e;
    e.info.entropy_count = (int)(k * 8);
    e.info.buf_size = (int)k;
    memcpy(e.raw + sizeof(struct rand_pool_info), p + 8, k);
    int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || (k && ioctl(fd, RNDADDENTROPY, &e.info) < 0) || ioctl(fd, RNDRESEEDCRNG) < 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        send_error(a, id, err, "cannot reseed the guest kernel's random generator");
        return;
    }
    close(fd);
    if (ns) {
        struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) };
        if (clock_settime(CLOCK_REALTIME, &ts) < 0) {
            send_error(a, id, errno, "cannot set the guest's clock");
            return;
        }
    }
    send_frame(a, T_IDENTITY_DONE, id, NULL, 0);
#endif
}

static void on_hello_ack(struct agent *a, const struct frame *f)
{
    uint32_t v = 0;
    if (find_u32(f->payload, f->len, F_VERSION, &v) != 1 || v != PROTO_VERSION) {
        send_error_code(a, 0, "EPROTO", "unsupported protocol version; this agent speaks version 1");
        return;
    }
    a->acked = 1;
}

static void dispatch(struct agent *a, const struct frame *f)
{
    if (f->type == T_HELLO) {
        /* A host that (re)connected asks who we are: it starts a new session. */
        session_reset(a);
        send_hello(a);
        return;
    }
    if (f->type == T_HELLO_ACK) {
        on_hello_ack(a, f);
        return;
    }
    if (!a->acked) {
        send_error_code(a, f->stream, "EPROTO", "the handshake is not finished: answer the hello first");
        return;
    }
    struct stream *s = stream_find(a, f->stream);
    switch (f->type) {
    case T_IDENTITY:
        identity_apply(a, f->stream, f->payload, f->len);
        break;
    case T_NETID:
        netid_apply(a, f->stream, f->payload, f->len);
        break;
    case T_PING:
        send_frame(a, T_PONG, f->stream, f->payload, f->len);
        break;
    case T_SYNC:
        /* Blocks the agent while the guest's dirty pages go to disk: the host asks just before it
         * freezes the guest for a snapshot, so each restore does not write them back again. */
#ifdef SMOLVM_AGENT_CONFINE
        send_error_code(a, f->stream, "EACCES", "outside the test confinement"); /* never the test host's disks */
#else
        sync();
        send_frame(a, T_SYNC_DONE, f->stream, NULL, 0);
#endif
        break;
    case T_EXEC:
        if (stream_id_ok(a, f->stream))
            exec_start(a, f->stream, f->payload, f->len);
        break;
    case T_FILE_WRITE:
        if (stream_id_ok(a, f->stream))
            file_write_start(a, f->stream, f->payload, f->len);
        break;
    case T_FILE_READ:
        if (stream_id_ok(a, f->stream))
            file_read_start(a, f->stream, f->payload, f->len);
        break;
    /*
     * Frames for a stream that is not open are dropped: they race with its end
     * (stdin after the process exited, data after a write failed).
     */
    case T_STDIN:
        if (s && s->kind == S_EXEC)
            exec_stdin(a, s, f->payload, f->len);
        break;
    case T_SIGNAL:
        if (s && s->kind == S_EXEC)
            exec_signal(a, s, f->payload, f->len);
        break;
    case T_RESIZE:
        if (s && s->kind == S_EXEC)
            exec_resize(a, s, f->payload, f->len);
        break;
    case T_DATA:
        if (s && s->kind == S_FILE_WRITE)
            file_write_data(a, s, f->payload, f->len);
        break;
    case T_CANCEL:
        if (s && s->kind != S_EXEC)
            file_cancel(a, s);
        break;
    case T_ERROR:
        break; /* the host has nothing to tell us that needs an answer */
    default: {
        char msg[64];
        snprintf(msg, sizeof msg, "unknown frame type 0x%02x", f->type);
        send_error_code(a, f->stream, "EPROTO", msg);
    }
    }
}

/* ---- the channel ---- */

/*
 * The input buffer holds one maximal frame. It is mapped, not malloc'd, so that its pages
 * cost memory only while a large frame passes, and can be handed back afterwards.
 */
static int inbuf_init(struct agent *a)
{
    a->incap = FRAME_PREFIX + MAX_FRAME_LEN;
    void *p = mmap(NULL, a->incap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    a->inbuf = p;
    return 0;
}

static void inbuf_trim(struct agent *a)
{
    const size_t keep = 64 * 1024;
    if (a->inlen == 0)
        madvise(a->inbuf + keep, a->incap - keep, MADV_DONTNEED);
}

/* Reads what the channel has and acts on every complete frame. -1: the host hung up. */
static int channel_read(struct agent *a)
{
    ssize_t n = read(a->in_fd, a->inbuf + a->inlen, a->incap - a->inlen);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0)
        return -1;
    if (a->desync)
        return 0; /* after a framing error nothing can be trusted until the host reconnects */
    a->inlen += (size_t)n;
    size_t off = 0, used;
    struct frame f;
    int r;
    while ((r = frame_split(a->inbuf + off, a->inlen - off, &f, &used)) == SPLIT_OK) {
        dispatch(a, &f);
        off += used;
        if (a->desync || a->host_gone)
            break;
    }
    if (r == SPLIT_BAD) {
        logmsg("smolvm-agent: a frame from the host has a length out of range; waiting for it to reconnect");
        send_error_code(a, 0, "EPROTO", "frame length out of range; closing the session");
        session_reset(a);
        a->desync = 1;
        a->inlen = 0;
        return 0;
    }
    memmove(a->inbuf, a->inbuf + off, a->inlen - off);
    a->inlen -= off;
    if (a->inlen == 0 && off > 64 * 1024)
        inbuf_trim(a);
    return 0;
}

/* /sys/class/virtio-ports/vportNpM/name holds the port's name; udev's symlinks are not there. */
static char *find_port(const char *name)
{
    static char path[300];
    DIR *d = opendir("/sys/class/virtio-ports");
    if (!d)
        return NULL;
    struct dirent *e;
    char *found = NULL;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char file[300], got[128];
        snprintf(file, sizeof file, "/sys/class/virtio-ports/%s/name", e->d_name);
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, got, sizeof got - 1);
        close(fd);
        if (n <= 0)
            continue;
        got[n] = 0;
        got[strcspn(got, "\n")] = 0;
        if (strcmp(got, name) == 0) {
            snprintf(path, sizeof path, "/dev/%s", e->d_name);
            found = path;
        }
    }
    closedir(d);
    return found;
}

static void sleep_ms(int ms)
{
    poll(NULL, 0, ms);
}

/*
 * Opens the port and waits until a host is on the other end: a virtio-serial port reports
 * POLLHUP while nobody holds the host side, and reads then return end of file.
 */
static void device_connect(struct agent *a)
{
    int warned = 0;
    for (;;) {
        if (a->in_fd < 0)
            a->in_fd = a->out_fd = open(a->device, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (a->in_fd < 0) {
            if (!warned++)
                logmsg("smolvm-agent: waiting for %s: %s", a->device, strerror(errno));
            sleep_ms(100);
            continue;
        }
        struct pollfd p = { .fd = a->in_fd, .events = POLLIN | POLLOUT };
        if (poll(&p, 1, -1) > 0 && !(p.revents & POLLHUP))
            return;
        sleep_ms(100);
    }
}

static void device_reconnect(struct agent *a)
{
    close(a->in_fd);
    a->in_fd = a->out_fd = -1;
    a->host_gone = 0;
    a->inlen = 0;
    device_connect(a);
}

/* ---- the loop ---- */

struct watch {
    uint32_t id;
    int fd;
};

static int any_reads(struct agent *a)
{
    for (struct stream *s = a->streams; s; s = s->next)
        if (s->kind == S_FILE_READ)
            return 1;
    return 0;
}

/* One pass over the streams that have work without waiting: file reads send a chunk each. */
static void step_reads(struct agent *a)
{
    struct stream *s = a->streams;
    while (s) {
        struct stream *next = s->next; /* s may be freed by the step */
        if (s->kind == S_FILE_READ)
            file_read_step(a, s);
        if (a->host_gone)
            return;
        s = next;
    }
}

static void drain_signalfd(struct agent *a)
{
    struct signalfd_siginfo si;
    while (read(a->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
        ;
}

/* Runs until the host hangs up (in device mode: forever). */
static void run(struct agent *a)
{
    struct pollfd *pfd = NULL;
    struct watch *w = NULL;
    size_t cap = 0;
    for (;;) {
        size_t need = 2 + 3 * (size_t)a->nstreams, n = 0;
        if (need > cap) {
            cap = need * 2;
            pfd = realloc(pfd, cap * sizeof *pfd);
            w = realloc(w, cap * sizeof *w);
            if (!pfd || !w) {
                logmsg("smolvm-agent: out of memory");
                exit(1);
            }
        }
        pfd[n++] = (struct pollfd){ .fd = a->in_fd, .events = POLLIN };
        pfd[n++] = (struct pollfd){ .fd = a->sigfd, .events = POLLIN };
        for (struct stream *s = a->streams; s; s = s->next) {
            if (s->kind != S_EXEC)
                continue;
            struct exec_state *x = &s->u.x;
            if (x->out_fd >= 0) {
                w[n] = (struct watch){ s->id, x->out_fd };
                pfd[n++] = (struct pollfd){ .fd = x->out_fd, .events = POLLIN };
            }
            if (x->err_fd >= 0) {
                w[n] = (struct watch){ s->id, x->err_fd };
                pfd[n++] = (struct pollfd){ .fd = x->err_fd, .events = POLLIN };
            }
            if (x->in_fd >= 0 && x->inq_len > 0) {
                w[n] = (struct watch){ s->id, x->in_fd };
                pfd[n++] = (struct pollfd){ .fd = x->in_fd, .events = POLLOUT };
            }
        }
        int r = poll(pfd, n, any_reads(a) ? 0 : -1);
        if (r < 0 && errno != EINTR) {
            logmsg("smolvm-agent: poll: %s", strerror(errno));
            exit(1);
        }
        if (r > 0 && pfd[1].revents)
            drain_signalfd(a);
        /* Reap first: a process that ended has its output drained and its exit sent in order. */
        exec_reap(a);
        for (size_t i = 2; r > 0 && i < n; i++) {
            if (!pfd[i].revents)
                continue;
            struct stream *s = stream_find(a, w[i].id);
            if (!s || s->kind != S_EXEC)
                continue; /* ended while we were busy */
            if (pfd[i].events & POLLOUT) {
                if (s->u.x.in_fd == w[i].fd)
                    exec_writable(a, s);
            } else if (s->u.x.out_fd == w[i].fd || s->u.x.err_fd == w[i].fd) {
                exec_readable(a, s, w[i].fd);
            }
        }
        step_reads(a);
        int hangup = a->host_gone;
        if (!hangup && r > 0 && pfd[0].revents)
            hangup = channel_read(a) < 0 || a->host_gone;
        if (hangup) {
            session_reset(a);
            if (!a->device)
                break;
            logmsg("smolvm-agent: the host hung up; waiting for it to come back");
            device_reconnect(a);
            send_hello(a);
        }
    }
    free(pfd);
    free(w);
}

/* ---- start-up ---- */

static void usage(void)
{
    logmsg("usage: smolvm-agent [--port NAME | --device PATH | --fd N | --stdio]\n"
           "  default: the virtio-serial port named " DEFAULT_PORT);
}

/* Children get fds 0-2 by dup2; if ours were closed, a pipe could land there and be lost. */
static void ensure_std_fds(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
            exit(1);
}

static int setup_signals(struct agent *a)
{
    signal(SIGPIPE, SIG_IGN); /* a closed stdin pipe or channel is an error return, not a death */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, NULL))
        return -1;
    a->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return a->sigfd < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    struct agent a = { .in_fd = -1, .out_fd = -1, .sigfd = -1 };
    const char *port = DEFAULT_PORT;
    ensure_std_fds();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--stdio")) {
            a.in_fd = 0;
            a.out_fd = 1;
        } else if (!strcmp(argv[i], "--fd") && i + 1 < argc) {
            char *end;
            long fd = strtol(argv[++i], &end, 10);
            if (*end || fd < 0 || fd > 65535) {
                usage();
                return 2;
            }
            a.in_fd = a.out_fd = (int)fd;
        } else if (!strcmp(argv[i], "--device") && i + 1 < argc) {
            a.device = argv[++i];
        } else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
            port = argv[++i];
        } else if (!strcmp(argv[i], "--version")) {
            logmsg(AGENT_BUILD " (protocol %d)", PROTO_VERSION);
            return 0;
        } else {
            usage();
            return 2;
        }
    }
    if (setup_signals(&a) || inbuf_init(&a)) {
        logmsg("smolvm-agent: cannot start: %s", strerror(errno));
        return 1;
    }
    if (a.in_fd < 0) {
        if (!a.device) {
            int warned = 0;
            /* The port shows up when virtio_console is loaded, which may be just after us. */
            while (!(a.device = find_port(port))) {
                if (!warned++)
                    logmsg("smolvm-agent: waiting for the virtio-serial port %s", port);
                sleep_ms(100);
            }
        }
        device_connect(&a);
    } else {
        /* Our end of a pipe or socket must not be inherited by the processes we start. */
        fcntl(a.in_fd, F_SETFD, FD_CLOEXEC);
        fcntl(a.out_fd, F_SETFD, FD_CLOEXEC);
    }
    send_hello(&a);
    run(&a);
    fb_free(&a.out);
    return 0;
}
