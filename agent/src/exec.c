/*
 * Processes: each runs in its own session (so its process group id is its pid and one
 * kill(-pid) reaches everything it started), with pipes or a pty for its standard streams.
 */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

static uint8_t chunk[CHUNK];

/* What a child reports through the status pipe when it fails before exec. */
struct child_failure {
    int err;
};

/* ---- the environment a process starts with ---- */

static int same_name(const char *a, const char *b)
{
    while (*a && *a != '=' && *a == *b) {
        a++;
        b++;
    }
    return *a == '=' && *b == '=';
}

/* Replaces the entry with e's name in v[0..*n), or appends e. */
static void env_put(char **v, size_t *n, char *e)
{
    for (size_t i = 0; i < *n; i++) {
        if (same_name(v[i], e)) {
            v[i] = e;
            return;
        }
    }
    v[(*n)++] = e;
}

/*
 * The agent's own environment (what init gave it), with a PATH and HOME if init gave none,
 * and the request's entries on top. The strings are borrowed; only the vector is allocated.
 */
/* Who a command runs as: Docker's USER (name, uid, name:group, uid:gid, …), resolved in the guest. */
struct run_as {
    int set;
    uid_t uid;
    gid_t gid;
    gid_t groups[64];
    int ngroups;
    char home_env[300], user_env[300], logname_env[300];
};

/* 0, or -1 with *why a sentence. Resolved before fork, so a wrong name is a clear error, not exit 127. */
static int resolve_user(const char *spec, struct run_as *u, const char **why)
{
    memset(u, 0, sizeof *u);
    if (!spec || !*spec)
        return 0;
    char name[256];
    if (strlen(spec) >= sizeof name) {
        *why = "the user to run as is too long";
        return -1;
    }
    strcpy(name, spec);
    char *group = strchr(name, ':');
    if (group)
        *group++ = '\0';
    char *end;
    unsigned long n = strtoul(name, &end, 10);
    int numeric = *name && !*end;
    struct passwd *pw = numeric ? getpwuid((uid_t)n) : getpwnam(name);
    if (!pw && !numeric) {
        *why = "no such user in the guest's /etc/passwd";
        return -1;
    }
    u->uid = pw ? pw->pw_uid : (uid_t)n;
    u->gid = pw ? pw->pw_gid : 0;
    if (group && *group) {
        unsigned long g = strtoul(group, &end, 10);
        struct group *gr = *end ? getgrnam(group) : NULL;
        if (*end && !gr) {
            *why = "no such group in the guest's /etc/group";
            return -1;
        }
        u->gid = gr ? gr->gr_gid : (gid_t)g;
    }
    u->ngroups = (int)(sizeof u->groups / sizeof u->groups[0]);
    if (!pw || (group && *group) || getgrouplist(pw->pw_name, u->gid, u->groups, &u->ngroups) < 0) {
        u->groups[0] = u->gid;
        u->ngroups = 1;
    }
    snprintf(u->home_env, sizeof u->home_env, "HOME=%s", pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/");
    snprintf(u->user_env, sizeof u->user_env, "USER=%s", pw ? pw->pw_name : name);
    snprintf(u->logname_env, sizeof u->logname_env, "LOGNAME=%s", pw ? pw->pw_name : name);
    u->set = 1;
    return 0;
}

static char **build_env(const struct exec_req *r, struct run_as *u)
{
    static char default_path[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    static char default_home[] = "HOME=/root";
    size_t base = 0;
    while (environ && environ[base])
        base++;
    char **v = calloc(base + r->envc + 6, sizeof(char *));
    if (!v)
        return NULL;
    size_t n = 0;
    env_put(v, &n, default_path);
    env_put(v, &n, default_home);
    for (size_t i = 0; i < base; i++)
        env_put(v, &n, environ[i]);
    if (u->set) { /* the user's own, over the agent's, unless the request says otherwise */
        env_put(v, &n, u->home_env);
        env_put(v, &n, u->user_env);
        env_put(v, &n, u->logname_env);
    }
    for (size_t i = 0; i < r->envc; i++)
        env_put(v, &n, r->env[i]);
    return v;
}

/* ---- the child side, between fork and exec ---- */

static void child_fail(int status_fd, int err)
{
    struct child_failure f = { err };
    ssize_t ignored = write(status_fd, &f, sizeof f);
    (void)ignored;
    _exit(127);
}

static void child_stdio(const struct exec_req *r, const char *slave, int in_r, int out_w, int err_w,
                        int status_fd)
{
    if (r->pty) {
        int s = open(slave, O_RDWR);
        if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
            child_fail(status_fd, errno);
        dup2(s, 0);
        dup2(s, 1);
        dup2(s, 2);
        if (s > 2)
            close(s);
        return;
    }
    if (in_r < 0 && (in_r = open("/dev/null", O_RDONLY)) < 0)
        child_fail(status_fd, errno);
    if (dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
        child_fail(status_fd, errno);
}

static void child_run(const struct exec_req *r, const struct run_as *u, char **argv, char **envp,
                      const char *slave, int in_r, int out_w, int err_w, int status_fd)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setsid();
    child_stdio(r, slave, in_r, out_w, err_w, status_fd);
    if (u->set && (setgroups((size_t)u->ngroups, u->groups) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0))
        child_fail(status_fd, errno);
    if (r->cwd && chdir(r->cwd) < 0)
        child_fail(status_fd, errno);
    environ = envp;
    execvp(argv[0], argv);
    /* As a shell would: the message on the process's stderr, 127 for not found, 126 otherwise. */
    int e = errno;
    dprintf(2, "smolvm-agent: cannot run '%s': %s\n", argv[0], strerror(e));
    _exit(e == ENOENT ? 127 : 126);
}

/* ---- starting ---- */

static void set_nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void close_if(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int open_pty(const struct exec_req *r, int *master, char *slave, size_t slave_len)
{
    *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*master < 0 || grantpt(*master) || unlockpt(*master) || ptsname_r(*master, slave, slave_len))
        return -1;
    struct winsize ws = { .ws_row = (unsigned short)(r->rows ? r->rows : 24),
                          .ws_col = (unsigned short)(r->cols ? r->cols : 80) };
    ioctl(*master, TIOCSWINSZ, &ws);
    return 0;
}

/* Pipes (or a pty) for the child; the parent's ends are the *_p[0] of out/err and in_p[1]. */
static int open_stdio(const struct exec_req *r, int in_p[2], int out_p[2], int err_p[2], int *master,
                      char *slave, size_t slave_len)
{
    if (r->pty)
        return open_pty(r, master, slave, slave_len);
    if (pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC))
        return -1;
    if (r->want_stdin && pipe2(in_p, O_CLOEXEC))
        return -1;
    return 0;
}

void exec_start(struct agent *a, uint32_t id, const uint8_t *p, size_t n)
{
    struct exec_req r;
    const char *why;
    if (parse_exec(p, n, &r, &why)) {
        send_error_code(a, id, "EINVAL", why);
        return;
    }
    if (!confine_exec_ok(r.argv, r.script)) {
        send_error_code(a, id, "EACCES", "outside the test confinement");
        exec_req_free(&r);
        return;
    }
    struct run_as user;
    if (resolve_user(r.user, &user, &why)) {
        char msg[400];
        snprintf(msg, sizeof msg, "cannot run as '%s': %s", r.user, why);
        send_error_code(a, id, "ENOUSER", msg);
        exec_req_free(&r);
        return;
    }
    char *script_argv[] = { "/bin/sh", "-lc", r.script, NULL };
    char **argv = r.script ? script_argv : r.argv;
    char **envp = build_env(&r, &user);
    int in_p[2] = { -1, -1 }, out_p[2] = { -1, -1 }, err_p[2] = { -1, -1 }, st_p[2] = { -1, -1 };
    int master = -1;
    char slave[64] = "";
    if (!envp || open_stdio(&r, in_p, out_p, err_p, &master, slave, sizeof slave) || pipe2(st_p, O_CLOEXEC)) {
        send_error(a, id, errno ? errno : ENOMEM, "cannot set up the process");
        goto out;
    }
    pid_t pid = fork();
    if (pid < 0) {
        send_error(a, id, errno, "cannot start the process");
        goto out;
    }
    if (pid == 0)
        child_run(&r, &user, argv, envp, slave, in_p[0], out_p[1], err_p[1], st_p[1]);
    close_if(&in_p[0]);
    close_if(&out_p[1]);
    close_if(&err_p[1]);
    close_if(&st_p[1]);
    /* The status pipe closes on a successful exec; a failure before it sends an errno. */
    struct child_failure fail;
    ssize_t got;
    do
        got = read(st_p[0], &fail, sizeof fail);
    while (got < 0 && errno == EINTR);
    if (got == (ssize_t)sizeof fail) {
        waitpid(pid, NULL, 0);
        char msg[600];
        snprintf(msg, sizeof msg, "cannot start in %s", r.cwd ? r.cwd : "the working directory");
        send_error(a, id, fail.err, msg);
        goto out;
    }
    struct stream *s = stream_new(a, id, S_EXEC);
    if (!s) {
        kill(-pid, SIGKILL);
        send_error_code(a, id, "ENOMEM", "out of memory");
        goto out;
    }
    struct exec_state *x = &s->u.x;
    x->pid = pid;
    x->pty = r.pty;
    if (r.pty) {
        x->out_fd = master;
        x->in_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
        x->err_fd = -1;
        master = -1;
    } else {
        x->out_fd = out_p[0];
        x->err_fd = err_p[0];
        x->in_fd = in_p[1];
        out_p[0] = err_p[0] = in_p[1] = -1;
    }
    set_nonblock(x->out_fd);
    if (x->err_fd >= 0)
        set_nonblock(x->err_fd);
    if (x->in_fd >= 0)
        set_nonblock(x->in_fd);
    fb_begin(&a->out, T_EXEC_STARTED, id);
    fb_u32(&a->out, F_PID, (uint32_t)pid);
    fb_u32(&a->out, F_WINDOW, STDIN_WINDOW);
    send_built(a);
out:
    close_if(&in_p[0]);
    close_if(&in_p[1]);
    close_if(&out_p[0]);
    close_if(&out_p[1]);
    close_if(&err_p[0]);
    close_if(&err_p[1]);
    close_if(&st_p[0]);
    close_if(&st_p[1]);
    close_if(&master);
    free(envp);
    exec_req_free(&r);
}

/* ---- output ---- */

/* Reads one chunk from fd and sends it. Returns 1 if data came, 0 if none now, -1 at the end. */
static int pump_out(struct agent *a, struct stream *s, int fd)
{
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n > 0) {
        send_frame(a, fd == s->u.x.err_fd ? T_STDERR : T_STDOUT, s->id, chunk, (size_t)n);
        return 1;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    /* 0 is end of file; EIO is how a pty master says every slave is closed. */
    if (fd == s->u.x.out_fd)
        close_if(&s->u.x.out_fd);
    else
        close_if(&s->u.x.err_fd);
    if (s->u.x.pty)
        close_if(&s->u.x.in_fd);
    return -1;
}

void exec_readable(struct agent *a, struct stream *s, int fd)
{
    pump_out(a, s, fd);
}

/*
 * After the process ended, what it wrote is all in the pipe: take it, bounded, since a
 * background child may still hold the pipe and keep writing.
 */
static void drain(struct agent *a, struct stream *s, int *fdp)
{
    for (int i = 0; i < 64 && *fdp >= 0 && !a->host_gone; i++)
        if (pump_out(a, s, *fdp) <= 0)
            break;
}

static void send_exit(struct agent *a, uint32_t id, int status)
{
    fb_begin(&a->out, T_EXIT, id);
    if (WIFSIGNALED(status))
        fb_u32(&a->out, F_SIGNAL, (uint32_t)WTERMSIG(status));
    else
        fb_u32(&a->out, F_CODE, (uint32_t)WEXITSTATUS(status));
    send_built(a);
}

static struct stream *find_pid(struct agent *a, pid_t pid)
{
    for (struct stream *s = a->streams; s; s = s->next)
        if (s->kind == S_EXEC && s->u.x.pid == pid)
            return s;
    return NULL;
}

static void exec_free(struct stream *s)
{
    struct exec_state *x = &s->u.x;
    close_if(&x->out_fd);
    close_if(&x->err_fd);
    close_if(&x->in_fd);
    free(x->inq);
    x->inq = NULL;
    x->inq_len = 0;
}

void exec_reap(struct agent *a)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        struct stream *s = find_pid(a, pid);
        if (!s)
            continue; /* abandoned with an earlier session */
        drain(a, s, &s->u.x.out_fd);
        drain(a, s, &s->u.x.err_fd);
        send_exit(a, s->id, status);
        exec_free(s);
        stream_unlink(a, s);
    }
}

void exec_abandon(struct stream *s)
{
    if (s->u.x.pid > 0)
        kill(-s->u.x.pid, SIGKILL);
    exec_free(s);
}

/* ---- input ---- */

static void send_window(struct agent *a, struct stream *s, size_t n)
{
    uint8_t field[9] = { F_WINDOW, 0, 0, 0, 4 };
    put_be32(field + 5, (uint32_t)n);
    send_frame(a, T_WINDOW, s->id, field, sizeof field);
}

void exec_maybe_close_stdin(struct agent *a, struct stream *s)
{
    struct exec_state *x = &s->u.x;
    (void)a;
    if (x->in_eof && x->inq_len == 0)
        close_if(&x->in_fd);
}

/* The process will not take more input: give the host its window back so it does not wait. */
static void drop_input(struct agent *a, struct stream *s)
{
    struct exec_state *x = &s->u.x;
    size_t back = x->inq_len + x->credit_owed;
    free(x->inq);
    x->inq = NULL;
    x->inq_len = 0;
    x->credit_owed = 0;
    close_if(&x->in_fd);
    if (back)
        send_window(a, s, back);
}

void exec_writable(struct agent *a, struct stream *s)
{
    struct exec_state *x = &s->u.x;
    while (x->in_fd >= 0 && x->inq_len > 0) {
        ssize_t n = write(x->in_fd, x->inq, x->inq_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            drop_input(a, s); /* EPIPE: the process closed its stdin */
            return;
        }
        memmove(x->inq, x->inq + n, x->inq_len - (size_t)n);
        x->inq_len -= (size_t)n;
        x->credit_owed += (size_t)n;
    }
    /* Credit in batches: one T_WINDOW per 32 KiB taken, or when the queue empties. */
    if (x->credit_owed >= 32 * 1024 || (x->credit_owed && x->inq_len == 0)) {
        send_window(a, s, x->credit_owed);
        x->credit_owed = 0;
    }
    if (x->inq_len == 0) {
        free(x->inq);
        x->inq = NULL;
    }
    exec_maybe_close_stdin(a, s);
}

void exec_stdin(struct agent *a, struct stream *s, const uint8_t *p, size_t n)
{
    struct exec_state *x = &s->u.x;
    if (n == 0) {
        x->in_eof = 1;
        exec_maybe_close_stdin(a, s);
        return;
    }
    if (x->in_fd < 0) {
        send_window(a, s, n); /* nobody to take it: drop it, but keep the host's window whole */
        return;
    }
    if (x->inq_len + n > STDIN_WINDOW) {
        /* The host broke the window: the process's input is unreliable now, so end it. */
        logmsg("smolvm-agent: stream %u sent stdin beyond its window; killing it", s->id);
        kill(-x->pid, SIGKILL);
        drop_input(a, s);
        return;
    }
    uint8_t *q = realloc(x->inq, x->inq_len + n);
    if (!q) {
        kill(-x->pid, SIGKILL);
        drop_input(a, s);
        return;
    }
    memcpy(q + x->inq_len, p, n);
    x->inq = q;
    x->inq_len += n;
    exec_writable(a, s);
}

/* ---- control ---- */

void exec_signal(struct agent *a, struct stream *s, const uint8_t *p, size_t n)
{
    uint32_t sig;
    (void)a;
    if (find_u32(p, n, F_SIGNAL, &sig) != 1 || sig < 1 || sig > 64) {
        /* An ERROR here would end the stream while the process runs on: log and ignore. */
        logmsg("smolvm-agent: stream %u: a signal request without a signal from 1 to 64", s->id);
        return;
    }
    /* The whole group: a shell's children must go too. Fall back to the pid if the group is gone. */
    if (kill(-s->u.x.pid, (int)sig) < 0)
        kill(s->u.x.pid, (int)sig);
}

void exec_resize(struct agent *a, struct stream *s, const uint8_t *p, size_t n)
{
    uint32_t rows = 0, cols = 0;
    (void)a;
    if (!s->u.x.pty || s->u.x.out_fd < 0)
        return;
    if (find_u32(p, n, F_ROWS, &rows) != 1 || find_u32(p, n, F_COLS, &cols) != 1 || rows > 0xffff ||
        cols > 0xffff)
        return;
    struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
    ioctl(s->u.x.out_fd, TIOCSWINSZ, &ws); /* the kernel sends SIGWINCH to the foreground group */
}
