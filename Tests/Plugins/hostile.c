/*
 * Hostile plugins: each build (-DATTACK_<NAME>) tries one way out of the sandbox or one
 * way to hurt the host, and answers with what happened to it, so that tests can check
 * both the host's record and the plugin's own view.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandpit_plugin.h"

#ifndef ATTACK_NAME
#define ATTACK_NAME "hostile"
#endif

static char report_buffer[4096];

static int say(const sandpit_sink *sink, const char *text) { return sink->write(sink->context, text, strlen(text)); }

/* {"label":"blocked|escaped","text":"what happened"} */
static int answer_with(const sandpit_sink *sink, int escaped, const char *what) {
    snprintf(report_buffer, sizeof report_buffer, "{\"label\":\"%s\",\"text\":\"%s\"}", escaped ? "escaped" : "blocked",
             what);
    say(sink, report_buffer);
    return 0;
}

static int result_of(const sandpit_sink *sink, long rc, const char *what) {
    char text[256];
    if (rc < 0) {
        snprintf(text, sizeof text, "%s failed: %s", what, strerror(errno));
        return answer_with(sink, 0, text);
    }
    snprintf(text, sizeof text, "%s succeeded", what);
    return answer_with(sink, 1, text);
}

static int tcp_connect(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(22), .sin_addr = {htonl(0x7f000001)}};
    return connect(fd, (struct sockaddr *)&addr, sizeof addr);
}

static int write_file(void) {
    int fd = open("/tmp/sandpit-hostile-escape", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -1;
    int rc = (int)write(fd, "escaped\n", 8);
    close(fd);
    return rc;
}

static void *connect_from_thread(void *result) {
    *(int *)result = tcp_connect();
    return NULL;
}

#if defined(ATTACK_CONSTRUCTOR)
/* Runs at dlopen, before the host has called anything. */
__attribute__((constructor)) static void attack_on_load(void) {
    tcp_connect();
    write_file();
    if (fork() == 0) _exit(0);
}
#endif

static void *plugin_open(const char *config, size_t config_len, const sandpit_sink *errors) {
    (void)config;
    (void)config_len;
#if defined(ATTACK_OPEN_FAILS)
    say(errors, "model weights not found");
    return NULL;
#else
    (void)errors;
    static int state;
    return &state;
#endif
}

static int plugin_run(void *state, const char *input, size_t input_len, const sandpit_sink *answer) {
    (void)state;
    (void)input;
    (void)input_len;
#if defined(ATTACK_TCP)
    return result_of(answer, tcp_connect(), "tcp connect to 127.0.0.1:22");
#elif defined(ATTACK_THREAD_CONNECT)
    pthread_t thread;
    int result = 0;
    if (pthread_create(&thread, NULL, connect_from_thread, &result) != 0) return answer_with(answer, 0, "no thread");
    pthread_join(thread, NULL);
    return result_of(answer, result, "tcp connect from a second thread");
#elif defined(ATTACK_PROC_READ)
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", (int)getppid());
    int host = open(path, O_RDONLY);
    int init = open("/proc/1/cmdline", O_RDONLY);
    /* Its own memory map is readable (language runtimes read it while starting); the host's
       and init's files are not. */
    int mine = open("/proc/self/maps", O_RDONLY);
    if (mine < 0) return answer_with(answer, 0, "could not read its own /proc/self/maps");
    return result_of(answer, (host < 0 && init < 0) ? -1 : 0, "read /proc of the host and init");
#elif defined(ATTACK_KILL_GROUP)
    pid_t group = getpgid(getppid());
    long a = kill(-getppid(), SIGKILL);
    long b = group > 0 ? kill(-group, SIGKILL) : -1;
    return result_of(answer, (a < 0 && b < 0) ? -1 : 0, "kill the host's process group");
#elif defined(ATTACK_KERNEL_SURFACE)
    /* Each of these must fail, and each must be recorded. */
    static const long calls[][4] = {
        {321 /* bpf */, 0, 0, 0},       {298 /* perf_event_open */, 0, 0, -1}, {323 /* userfaultfd */, 0, 0, 0},
        {250 /* keyctl */, 0, 0, 0},     {248 /* add_key */, 0, 0, 0},         {249 /* request_key */, 0, 0, 0},
        {312 /* kcmp */, 0, 0, 0},       {434 /* pidfd_open */, 1, 0, 0},      {438 /* pidfd_getfd */, 0, 0, 0},
        {165 /* mount */, 0, 0, 0},      {155 /* pivot_root */, 0, 0, 0},      {161 /* chroot */, 0, 0, 0},
        {308 /* setns */, 0, 0, 0},      {135 /* personality */, 0x0040000, 0, 0}, {246 /* kexec_load */, 0, 0, 0},
        {175 /* init_module */, 0, 0, 0}, {169 /* reboot */, 0, 0, 0},        {310 /* process_vm_readv */, 1, 0, 1},
        {311 /* process_vm_writev */, 1, 0, 1}, {101 /* ptrace */, 16 /* ATTACH */, 1, 0},
    };
    int escaped = 0;
    for (unsigned i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        long rc = syscall(calls[i][0], calls[i][1], calls[i][2], calls[i][3], 0, 0, 0);
        if (rc >= 0) escaped++;
    }
    return answer_with(answer, escaped, escaped ? "a kernel-surface call succeeded" : "every kernel-surface call failed");
#elif defined(ATTACK_UDP)
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    return result_of(answer, fd, "udp6 socket");
#elif defined(ATTACK_UNIX)
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0) {
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        memcpy(addr.sun_path, "\0/tmp/.X11-unix/X0", 18);
        return result_of(answer, connect(fd, (struct sockaddr *)&addr, sizeof addr), "abstract unix connect");
    }
    return result_of(answer, fd, "unix socket");
#elif defined(ATTACK_WRITE_FILE)
    return result_of(answer, write_file(), "write /tmp/sandpit-hostile-escape");
#elif defined(ATTACK_READ_OUTSIDE)
    int fd = open("/etc/hostname", O_RDONLY);
    return result_of(answer, fd, "read /etc/hostname");
#elif defined(ATTACK_EXEC)
    char *argv[] = {"/bin/sh", "-c", "echo escaped > /tmp/sandpit-hostile-exec", NULL};
    return result_of(answer, execve("/bin/sh", argv, NULL), "execve /bin/sh");
#elif defined(ATTACK_MEMFD_EXEC)
    int fd = (int)syscall(SYS_memfd_create, "payload", 0);
    if (fd < 0) return result_of(answer, fd, "memfd_create");
    char *argv[] = {"payload", NULL};
    return result_of(answer, fexecve(fd, argv, NULL), "fexecve of a memfd");
#elif defined(ATTACK_FORK)
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid(pid, NULL, 0);
    return result_of(answer, pid, "fork");
#elif defined(ATTACK_FORK_BOMB)
    int made = 0;
    for (int i = 0; i < 100000; i++) {
        if (fork() >= 0) made++;
    }
    return result_of(answer, made > 0 ? 0 : -1, "fork bomb");
#elif defined(ATTACK_CONSTRUCTOR)
    return answer_with(answer, 0, "constructor attacked at load; run is well behaved");
#elif defined(ATTACK_SPIN)
    for (volatile unsigned long i = 0;; i++) {
    }
#elif defined(ATTACK_SLEEP)
    for (;;) pause();
#elif defined(ATTACK_SEGFAULT)
    *(volatile int *)8 = 1;
    return 0;
#elif defined(ATTACK_ABORT)
    abort();
#elif defined(ATTACK_EXIT)
    _exit(3);
#elif defined(ATTACK_MEMORY)
    for (;;) {
        char *block = malloc(64 << 20);
        memset(block, 1, 64 << 20); /* NULL once the limit is reached: a crash at the limit */
    }
#elif defined(ATTACK_STDOUT_FLOOD)
    static char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 1024; i++) write(1, chunk, sizeof chunk);
    return answer_with(answer, 0, "flooded stdout");
#elif defined(ATTACK_ANSWER_FLOOD)
    static char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 1024; i++) {
        if (answer->write(answer->context, chunk, sizeof chunk) < 0) return 0;
    }
    return 0;
#elif defined(ATTACK_BAD_JSON)
    return say(answer, "this is not json {");
#elif defined(ATTACK_ERROR)
    say(answer, "the model could not answer");
    return 2;
#elif defined(ATTACK_KILL_HOST)
    long a = kill(getppid(), SIGKILL);
    long b = kill(-1, SIGKILL);
    long c = kill(0, SIGKILL);
    return result_of(answer, (a < 0 && b < 0 && c < 0) ? -1 : 0, "kill the host, everyone, the group");
#elif defined(ATTACK_PTRACE)
    return result_of(answer, ptrace(PTRACE_ATTACH, getppid(), NULL, NULL), "ptrace the host");
#elif defined(ATTACK_IO_URING)
    char params[120] = {0};
    return result_of(answer, syscall(425 /* io_uring_setup */, 8, params), "io_uring_setup");
#elif defined(ATTACK_UNSHARE)
    return result_of(answer, syscall(SYS_unshare, 0x10000000 /* CLONE_NEWUSER */), "unshare(CLONE_NEWUSER)");
#elif defined(ATTACK_INT80)
    long rc;
    __asm__ volatile("int $0x80" : "=a"(rc) : "a"(20) : "memory"); /* i386 getpid */
    return result_of(answer, rc, "int 0x80");
#elif defined(ATTACK_FDS)
    /* Which descriptors did the worker inherit? Only 0-3 may be open, and 5 and 6: the read
       ends of the worker's own stdout and stderr pipes, which it empties after each case. */
    char list[512] = "open fds:";
    int escaped = 0;
    for (int fd = 0; fd < 1024; fd++) {
        if (fcntl(fd, F_GETFD) >= 0) {
            char one[16];
            snprintf(one, sizeof one, " %d", fd);
            strncat(list, one, sizeof list - strlen(list) - 1);
            if (fd > 3 && fd != 5 && fd != 6) escaped = 1;
        }
    }
    return answer_with(answer, escaped, list);
#elif defined(ATTACK_ENV)
    extern char **environ;
    char list[1024] = "environment:";
    int count = 0;
    for (char **e = environ; e != NULL && *e != NULL; e++, count++) {
        strncat(list, " ", sizeof list - strlen(list) - 1);
        strncat(list, *e, sizeof list - strlen(list) - 1);
    }
    return answer_with(answer, count > 1, list);
#elif defined(ATTACK_WRITE_INHERITED)
    /* fd 3 is the socket to the host: garbage there must end this worker, not the host. */
    write(3, "\xff\xff\xff\x7f\x0bgarbage", 12);
    return answer_with(answer, 0, "wrote garbage to fd 3");
#else
    return answer_with(answer, 0, "harmless");
#endif
}

static void plugin_close(void *state) { (void)state; }

#ifndef PLUGIN_NAME
#define PLUGIN_NAME "hostile"
#endif
#ifndef ABI
#define ABI SANDPIT_ABI_VERSION
#endif

static const sandpit_plugin plugin = {
    .abi_version = ABI,
    .name = PLUGIN_NAME,
    .version = "0.0.1",
    .case_kinds = "*",
    .open = plugin_open,
#if defined(ATTACK_NULL_RUN)
    .run = NULL,
#else
    .run = plugin_run,
#endif
    .close = plugin_close,
};

#if !defined(ATTACK_NO_SYMBOL)
const sandpit_plugin *sandpit_plugin_v1(void) { return &plugin; }
#else
const sandpit_plugin *not_the_entry(void) { return &plugin; }
#endif
