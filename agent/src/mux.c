/*
 * smolvm-agent-mux: the host's one connection to a sandbox's guest agent, shared by many clients.
 *
 * QEMU's virtio-serial socket takes one client, and the agent keeps one session, but every CLI
 * run, the HTTP server and port forwards each want to talk to the guest at the same time. This
 * small detached process (one per running sandbox, like OpenSSH's ControlMaster for the SSH
 * channel) holds the upstream connection and serves any number of clients on a socket of its own.
 * Each client speaks the ordinary agent protocol; the mux:
 *   - answers a client's HELLO with the agent's (cached) HELLO and swallows its HELLO_ACK;
 *   - gives each client a slot (1..255) and rewrites stream ids: client stream s <-> agent stream
 *     slot << 24 | s, so replies find their way back without a table;
 *   - remembers each client's open streams, and when a client goes away mid-request it ends them
 *     in the guest (SIGKILL to an exec's process group, CANCEL for a file transfer); a slot is
 *     reused only once all its streams have ended;
 *   - ends every client when the agent starts a new session (it was restarted) or goes away (the
 *     VM stopped), and exits itself in the latter case.
 */
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 256                 /* slot 0 is unused: stream 0 is the connection */
#define MAX_OUT (64u << 20)       /* a client that falls this far behind is dropped */
#define KIND_EXEC 1
#define KIND_FILE 2
#define KIND_PING 3

struct conn {
    int fd;
    uint8_t *in;
    size_t in_len, in_cap;
    uint8_t *out;
    size_t out_len, out_off, out_cap;
};

struct open_stream {
    uint32_t id;
    uint8_t kind;
};

struct client {
    struct conn c;            /* c.fd < 0: free (or draining, see open_n) */
    int greeted;              /* sent its HELLO; waiting for the agent's when none is cached yet */
    int hello_sent;           /* it has the agent's HELLO */
    struct open_stream *open;
    size_t open_n, open_cap;
};

static struct conn up = {.fd = -1};
static struct client clients[SLOTS];
static uint8_t *hello;            /* the agent's HELLO frame, as received (stream 0) */
static size_t hello_len;
/* A request went to the agent since its last HELLO: a new HELLO then means that work is lost. */
static int used_since_hello;
static uint32_t agent_pid;        /* from the agent's HELLO: a new pid is a new agent (it was respawned) */

/*
 * Liveness: when the agent has said nothing for HEALTH_EVERY_MS the mux pings it (on a stream of
 * its own slot, 0), and after every frame from the agent it writes the time (epoch seconds) into
 * the --health file, at most once a second. The host reads the file: a running sandbox whose agent
 * has been silent for long is shown as not answering (a hung or crashed agent).
 */
#define HEALTH_EVERY_MS 2000
#define HEALTH_STREAM 0x00ffffffu
static const char *health_path;
static long long last_heard_ms;   /* monotonic */
static long long last_ping_ms;
static time_t last_written;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void heard(void) {
    last_heard_ms = now_ms();
    time_t t = time(NULL);
    if (!health_path || t == last_written) {
        return;
    }
    last_written = t;
    char tmp[4200], line[32];
    snprintf(tmp, sizeof tmp, "%s.part", health_path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return;
    }
    int n = snprintf(line, sizeof line, "%lld\n", (long long)t);
    ssize_t w = write(fd, line, (size_t)n);
    close(fd);
    if (w == n) {
        rename(tmp, health_path);
    }
}

static void die(const char *what) {
    fprintf(stderr, "smolvm-agent-mux: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int queue(struct conn *c, const uint8_t *p, size_t n) {
    if (c->out_len - c->out_off + n > MAX_OUT) {
        return -1;
    }
    if (c->out_off > 0 && c->out_off == c->out_len) {
        c->out_off = c->out_len = 0;
    }
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 65536;
        while (cap < c->out_len + n) {
            cap *= 2;
        }
        uint8_t *b = realloc(c->out, cap);
        if (!b) {
            return -1;
        }
        c->out = b;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    return 0;
}

/* Queues a frame given its head fields and payload. */
static int queue_frame(struct conn *c, uint8_t type, uint32_t stream, const uint8_t *payload, uint32_t len) {
    uint8_t head[FRAME_PREFIX + FRAME_HEAD];
    put_be32(head, FRAME_HEAD + len);
    head[4] = type;
    put_be32(head + 5, stream);
    if (queue(c, head, sizeof head) < 0) {
        return -1;
    }
    return len ? queue(c, payload, len) : 0;
}

static void send_control(uint8_t type, uint32_t stream, uint8_t key, uint32_t value) {
    struct fbuf f = {0};
    fb_begin(&f, type, stream);
    if (key) {
        fb_u32(&f, key, value);
    }
    if (fb_finish(&f) == 0 && queue(&up, f.b, f.len) < 0) {
        fprintf(stderr, "smolvm-agent-mux: the agent is not reading; giving up\n");
        exit(1);
    }
    fb_free(&f);
}

static int flush(struct conn *c);

static void conn_free(struct conn *c) {
    if (c->fd >= 0) {
        close(c->fd);
    }
    free(c->in);
    free(c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

static void stream_add(struct client *cl, uint32_t id, uint8_t kind) {
    for (size_t i = 0; i < cl->open_n; i++) {
        if (cl->open[i].id == id) {
            return;
        }
    }
    if (cl->open_n == cl->open_cap) {
        size_t cap = cl->open_cap ? cl->open_cap * 2 : 8;
        struct open_stream *o = realloc(cl->open, cap * sizeof *o);
        if (!o) {
            return; /* not tracked: it cannot be ended for a client that vanishes, nothing worse */
        }
        cl->open = o;
        cl->open_cap = cap;
    }
    cl->open[cl->open_n++] = (struct open_stream){id, kind};
}

static void stream_end(struct client *cl, uint32_t id) {
    for (size_t i = 0; i < cl->open_n; i++) {
        if (cl->open[i].id == id) {
            cl->open[i] = cl->open[--cl->open_n];
            return;
        }
    }
}

/* A client went away: end what it left running in the guest; the slot drains before reuse. */
static void client_gone(int slot) {
    struct client *cl = &clients[slot];
    conn_free(&cl->c);
    cl->greeted = 0;
    cl->hello_sent = 0;
    for (size_t i = 0; i < cl->open_n; i++) {
        uint32_t g = ((uint32_t)slot << 24) | cl->open[i].id;
        if (cl->open[i].kind == KIND_EXEC) {
            send_control(T_SIGNAL, g, F_SIGNAL, SIGKILL);
        } else if (cl->open[i].kind == KIND_FILE) {
            send_control(T_CANCEL, g, 0, 0);
        }
    }
    /* Pings leave nothing running; execs and files are ended by the agent's EXIT/ERROR, which
     * arrive for a slot with no client and only shrink its list. */
    size_t keep = 0;
    for (size_t i = 0; i < cl->open_n; i++) {
        if (cl->open[i].kind != KIND_PING) {
            cl->open[keep++] = cl->open[i];
        }
    }
    cl->open_n = keep;
}

static void drop_all_clients(void) {
    for (int s = 1; s < SLOTS; s++) {
        if (clients[s].c.fd >= 0) {
            conn_free(&clients[s].c);
        }
        clients[s].greeted = 0;
        clients[s].hello_sent = 0;
        clients[s].open_n = 0; /* a new agent session has none of the old streams */
    }
}

/* Sends the agent's hello to a client once (it ignores repeats, but there is no need). */
static int greet(struct client *cl) {
    if (!hello || cl->hello_sent) {
        return 0;
    }
    cl->hello_sent = 1;
    return queue(&cl->c, hello, hello_len);
}

/* A frame from the agent. */
static void from_agent(const struct frame *f, const uint8_t *raw, size_t raw_len) {
    heard();
    if (f->stream == 0) {
        if (f->type == T_HELLO) {
            /* The first hello; or the agent answering our "say hello again", harmless while nothing
             * was asked of it; or a new session (it restarted): the old streams are gone, and so
             * are the clients that had them. */
            uint32_t pid = 0;
            find_u32(f->payload, f->len, F_PID, &pid);
            fprintf(stderr, "smolvm-agent-mux: hello from the agent (pid %u)\n", (unsigned)pid);
            if (hello && used_since_hello && pid != agent_pid) {
                drop_all_clients();
            }
            agent_pid = pid;
            used_since_hello = 0;
            free(hello);
            hello = malloc(raw_len);
            if (!hello) {
                die("out of memory");
            }
            memcpy(hello, raw, raw_len);
            hello_len = raw_len;
            send_control(T_HELLO_ACK, 0, F_VERSION, PROTO_VERSION);
            for (int s = 1; s < SLOTS; s++) {
                if (clients[s].c.fd >= 0 && clients[s].greeted && !clients[s].hello_sent) {
                    if (greet(&clients[s]) < 0) {
                        client_gone(s);
                    }
                }
            }
        } else if (f->type == T_ERROR) {
            /* The session is over for everyone: tell them why and go; the host starts a new mux. */
            for (int s = 1; s < SLOTS; s++) {
                if (clients[s].c.fd >= 0) {
                    queue(&clients[s].c, raw, raw_len);
                    flush(&clients[s].c);
                }
            }
            fprintf(stderr, "smolvm-agent-mux: the agent ended the session\n");
            exit(1);
        }
        return;
    }
    int slot = (int)(f->stream >> 24);
    uint32_t id = f->stream & 0xffffffu;
    struct client *cl = &clients[slot];
    if (f->type == T_EXIT || f->type == T_FILE_DONE || f->type == T_ERROR || f->type == T_PONG) {
        stream_end(cl, id);
    }
    if (slot == 0 || cl->c.fd < 0) {
        return;
    }
    if (queue_frame(&cl->c, f->type, id, f->payload, f->len) < 0) {
        client_gone(slot);
    }
}

/* A frame from a client; 0, or -1 to drop the client. */
static int from_client(int slot, const struct frame *f) {
    struct client *cl = &clients[slot];
    if (f->stream == 0) {
        if (f->type == T_HELLO) {
            cl->greeted = 1;
            return greet(cl);
        }
        return 0; /* HELLO_ACK and anything else on stream 0 stay here */
    }
    if (f->stream > 0xffffffu) {
        static const char msg[] = "stream ids above 16777215 are not available through the smolvm mux";
        struct fbuf e = {0};
        fb_begin(&e, T_ERROR, f->stream);
        fb_str(&e, F_CODE, "EINVAL");
        fb_str(&e, F_MESSAGE, msg);
        int rc = fb_finish(&e) == 0 ? queue(&cl->c, e.b, e.len) : -1;
        fb_free(&e);
        return rc;
    }
    if (f->type == T_EXEC) {
        stream_add(cl, f->stream, KIND_EXEC);
    } else if (f->type == T_FILE_WRITE || f->type == T_FILE_READ) {
        stream_add(cl, f->stream, KIND_FILE);
    } else if (f->type == T_PING) {
        stream_add(cl, f->stream, KIND_PING);
    }
    used_since_hello = 1;
    if (queue_frame(&up, f->type, ((uint32_t)slot << 24) | f->stream, f->payload, f->len) < 0) {
        fprintf(stderr, "smolvm-agent-mux: the agent is not reading; giving up\n");
        exit(1);
    }
    return 0;
}

/* Reads what is there; returns -1 at end of input or on error. */
static int fill(struct conn *c) {
    if (c->in_cap - c->in_len < 65536) {
        size_t cap = c->in_cap ? c->in_cap * 2 : 131072;
        if (cap > 2 * MAX_FRAME_LEN + 131072) {
            cap = 2 * MAX_FRAME_LEN + 131072;
        }
        if (cap > c->in_cap) {
            uint8_t *b = realloc(c->in, cap);
            if (!b) {
                return -1;
            }
            c->in = b;
            c->in_cap = cap;
        }
    }
    ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return 0;
    }
    if (n <= 0) {
        return -1;
    }
    c->in_len += (size_t)n;
    return 0;
}

static int flush(struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0) {
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        }
        c->out_off += (size_t)n;
    }
    /* All sent: a buffer that grew during a burst (a big download) is given back, so an idle mux
     * stays small. */
    c->out_off = c->out_len = 0;
    if (c->out_cap > 256u * 1024u) {
        free(c->out);
        c->out = NULL;
        c->out_cap = 0;
    }
    return 0;
}

/* Hands every complete frame in c->in to fn; -1 when the input is not the protocol. */
static int drain_frames(struct conn *c, int slot) {
    size_t off = 0;
    for (;;) {
        struct frame f;
        size_t used;
        int r = frame_split(c->in + off, c->in_len - off, &f, &used);
        if (r == SPLIT_NEED_MORE) {
            break;
        }
        if (r == SPLIT_BAD) {
            return -1;
        }
        if (slot == 0) {
            from_agent(&f, c->in + off, used);
        } else if (from_client(slot, &f) < 0) {
            return -1;
        }
        off += used;
        if (slot != 0 && clients[slot].c.fd < 0) {
            return 0; /* dropped while handling */
        }
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    return 0;
}

static int connect_upstream(const char *path, int wait_seconds) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) {
        errno = ENAMETOOLONG;
        die(path);
    }
    strcpy(a.sun_path, path);
    for (int i = 0; i <= wait_seconds * 50; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            die("socket");
        }
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            return fd;
        }
        close(fd);
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    die(path);
    return -1;
}

static int listen_on(const char *path) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) {
        errno = ENAMETOOLONG;
        die(path);
    }
    strcpy(a.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    mode_t old = umask(0177); /* the socket is born 0600: only its owner may drive the guest */
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0) {
        die(path);
    }
    umask(old);
    return fd;
}

/* "--exec-mergeable -- PROGRAM ARGS...": runs PROGRAM with every page of its memory open to KSM
 * (PR_SET_MEMORY_MERGE, Linux 6.4+; it survives exec), not only what it marks itself: QEMU marks
 * just the guest's RAM, and a restored guest's own pages are a few MiB of a QEMU's tens. On an
 * older kernel PROGRAM runs as it would have. The host launches QEMU through this. */
static int exec_mergeable(int argc, char **argv) {
    if (argc < 4 || strcmp(argv[2], "--")) {
        fprintf(stderr, "usage: smolvm-agent-mux --exec-mergeable -- PROGRAM [ARGS...]\n");
        return 2;
    }
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif
    (void)prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0); /* EINVAL before 6.4: nothing to share then */
    execvp(argv[3], argv + 3);
    fprintf(stderr, "smolvm-agent-mux: cannot run %s: %s\n", argv[3], strerror(errno));
    return 127;
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--exec-mergeable")) {
        return exec_mergeable(argc, argv);
    }
    const char *upstream = NULL, *listen_path = NULL;
    int wait_seconds = 30;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--upstream") && i + 1 < argc) {
            upstream = argv[++i];
        } else if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
            listen_path = argv[++i];
        } else if (!strcmp(argv[i], "--health") && i + 1 < argc) {
            health_path = argv[++i];
        } else if (!strcmp(argv[i], "--wait") && i + 1 < argc) {
            wait_seconds = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: smolvm-agent-mux --upstream QEMU_SOCKET --listen MUX_SOCKET [--wait SECONDS] [--health FILE]\n");
            return 2;
        }
    }
    if (!upstream || !listen_path) {
        fprintf(stderr, "usage: smolvm-agent-mux --upstream QEMU_SOCKET --listen MUX_SOCKET [--wait SECONDS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* Its own session, so a Ctrl-C meant for the CLI that started it does not end it. Done here
     * rather than by a setsid(1) wrapper: the host tells a running mux by its pid's command, and
     * a wrapper's pid shows "setsid" until it execs, long enough under load for a second mux to
     * be started beside the first (which then holds QEMU's one connection, and nobody hears it). */
    setsid();
    for (int s = 0; s < SLOTS; s++) {
        clients[s].c.fd = -1;
    }
    int lfd = listen_on(listen_path);
    up.fd = connect_upstream(upstream, wait_seconds);
    fcntl(up.fd, F_SETFL, O_NONBLOCK);
    /* Ask for a hello: the agent greets a host it sees connect, but a greeting sent before QEMU's
     * socket had its client is lost. The answer may then come twice (greeting and reply); both carry
     * the same agent pid, so neither is taken for a restarted agent. The request reaches the agent
     * before any client's, so the session it resets holds nothing yet. */
    send_control(T_HELLO, 0, 0, 0);
    last_heard_ms = now_ms();
    last_ping_ms = last_heard_ms - 1;

    struct pollfd pf[SLOTS + 1];
    int slot_of[SLOTS + 1];
    for (;;) {
        int n = 0;
        pf[n] = (struct pollfd){.fd = up.fd, .events = POLLIN | (up.out_off < up.out_len ? POLLOUT : 0)};
        slot_of[n++] = 0;
        pf[n] = (struct pollfd){.fd = lfd, .events = POLLIN};
        slot_of[n++] = -1;
        for (int s = 1; s < SLOTS; s++) {
            struct conn *c = &clients[s].c;
            if (c->fd >= 0) {
                pf[n] = (struct pollfd){.fd = c->fd, .events = POLLIN | (c->out_off < c->out_len ? POLLOUT : 0)};
                slot_of[n++] = s;
            }
        }
        /* One ping at a time: an agent that does not answer is not sent more to pile up. */
        long long quiet = now_ms() - last_heard_ms;
        int answered = last_heard_ms >= last_ping_ms;
        if (answered && quiet >= HEALTH_EVERY_MS) {
            send_control(T_PING, HEALTH_STREAM, 0, 0);
            last_ping_ms = now_ms();
            continue; /* the ping goes out through POLLOUT */
        }
        if (poll(pf, (nfds_t)n, answered ? (int)(HEALTH_EVERY_MS - quiet) : HEALTH_EVERY_MS) < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("poll");
        }
        for (int i = 0; i < n; i++) {
            int s = slot_of[i];
            if (!pf[i].revents) {
                continue;
            }
            if (s == 0) {
                if ((pf[i].revents & POLLOUT) && flush(&up) < 0) {
                    return 0;
                }
                if (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                    if (fill(&up) < 0) {
                        return 0; /* the VM is gone: so is every session */
                    }
                    if (drain_frames(&up, 0) < 0) {
                        fprintf(stderr, "smolvm-agent-mux: the guest sent something that is not the protocol\n");
                        return 1;
                    }
                }
            } else if (s < 0) {
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd < 0) {
                    continue;
                }
                int free_slot = 0;
                for (int k = 1; k < SLOTS && !free_slot; k++) {
                    if (clients[k].c.fd < 0 && clients[k].open_n == 0) {
                        free_slot = k;
                    }
                }
                if (!free_slot) {
                    close(fd); /* 255 clients at once: the next one has to retry */
                    continue;
                }
                clients[free_slot].c.fd = fd;
            } else if (clients[s].c.fd == pf[i].fd) {
                struct conn *c = &clients[s].c;
                if ((pf[i].revents & POLLOUT) && flush(c) < 0) {
                    client_gone(s);
                    continue;
                }
                if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) && (fill(c) < 0 || drain_frames(c, s) < 0)) {
                    client_gone(s);
                }
            }
        }
        /* Answers queued while handling input go out on the next round's POLLOUT; try now too. */
        if (flush(&up) < 0) {
            return 0;
        }
    }
}
