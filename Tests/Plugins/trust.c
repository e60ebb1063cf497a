/*
 * Plugins that test whether sandpit's numbers can be trusted (-DTRUST_<MODE>): timing
 * under load, attribution of denials and output with many cases in flight, stale sinks,
 * forged answer frames, Landlock denials, and plugins that hang on every case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sandpit_plugin.h"

static int say(const sandpit_sink *sink, const char *text) { return sink->write(sink->context, text, strlen(text)); }

/* The case's "id", copied out of the input JSON (the first "id" member is the case's). */
static void case_id(const char *input, size_t len, char *out, size_t size) {
    out[0] = 0;
    const char *key = memmem(input, len, "\"id\":\"", 6);
    if (!key) return;
    key += 6;
    size_t n = 0;
    while (key + n < input + len && key[n] != '"' && n + 1 < size) n++;
    memcpy(out, key, n);
    out[n] = 0;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void busy_wait(uint64_t ns) {
    uint64_t until = now_ns() + ns;
    while (now_ns() < until) {
    }
}

static const sandpit_sink *open_sink;
static const sandpit_sink *last_sink;
static unsigned long cases_seen;

static void *plugin_open(const char *config, size_t config_len, const sandpit_sink *errors) {
    (void)config;
    (void)config_len;
    open_sink = errors; /* kept on purpose: writes through it later must be ignored */
    return (void *)1;
}

#if defined(TRUST_FORGE) || defined(TRUST_LIE)
/* A well-formed answer frame, as the worker writes one (WorkerProtocol's Answer). */
static void forge(uint64_t sequence, const char *answer) {
    unsigned char frame[512];
    size_t n = 0, len = strlen(answer);
    uint32_t total = (uint32_t)(1 + 1 + 4 + 8 + 8 + 8 + 1 + 8 + 8 + 4 + len + 4 + 4);
    memcpy(frame + n, &total, 4), n += 4;
    frame[n++] = 15; /* answer */
    frame[n++] = 0;  /* ok */
    memset(frame + n, 0, 4), n += 4;
    memcpy(frame + n, &sequence, 8), n += 8;
    uint64_t t = now_ns();
    memcpy(frame + n, &t, 8), n += 8;
    memcpy(frame + n, &t, 8), n += 8;
    frame[n++] = 0;
    uint64_t coarse = 0; /* the coarse clock readings: none */
    memcpy(frame + n, &coarse, 8), n += 8;
    memcpy(frame + n, &coarse, 8), n += 8;
    uint32_t l = (uint32_t)len;
    memcpy(frame + n, &l, 4), n += 4;
    memcpy(frame + n, answer, len), n += len;
    memset(frame + n, 0, 8), n += 8;
    write(3, frame, n);
}
#endif

static int plugin_run(void *state, const char *input, size_t input_len, const sandpit_sink *answer) {
    (void)state;
    char id[128], text[512];
    case_id(input, input_len, id, sizeof id);
    cases_seen++;
#if defined(TRUST_BUSY100)
    busy_wait(100000);
#elif defined(TRUST_SLOW)
    busy_wait(10000000);
#elif defined(TRUST_DENY3)
    /* Three denied calls and one line of stdout per case, wherever the case is in the window. */
    for (int i = 0; i < 3; i++) socket(AF_INET, SOCK_STREAM, 0);
    printf("case %s\n", id);
    fflush(stdout);
#elif defined(TRUST_STALE_SINK)
    /* The sink of open() and the previous run's sink are stale: nothing written through them
       may reach this answer. */
    say(open_sink, "STALE-OPEN");
    if (last_sink) say(last_sink, "STALE-RUN");
    last_sink = answer;
#elif defined(TRUST_FORGE)
    /* Sequence numbers start at 1 on each slot: the n-th case of the first worker is n. */
    if (cases_seen == 3) forge(3, "{\"label\":\"forged-current\"}");
    if (cases_seen == 5) forge(6, "{\"label\":\"forged-next\"}");
    if (cases_seen == 8) forge(2, "{\"label\":\"forged-old\"}");
    if (cases_seen == 10) {
        /* Forged, then a pause long enough for the host to have stored the case if it kept
           nothing back. */
        forge(10, "{\"label\":\"forged-then-slow\"}");
        usleep(400000);
    }
#elif defined(TRUST_LIE)
    /* Spends 2 ms, then claims (in a frame of its own, ahead of the worker's) that the case
       took no time: the host's CPU check must catch the claim. */
    busy_wait(2000000);
    char claim[160];
    snprintf(claim, sizeof claim, "{\"label\":\"tax\",\"text\":\"case %s\"}", id);
    forge(cases_seen, claim);
#elif defined(TRUST_SHADOW)
    /* Outside the read set: Landlock refuses each (/etc/shadow is refused by its file mode
       first, before Landlock is asked). */
    char environ_path[64];
    snprintf(environ_path, sizeof environ_path, "/proc/%d/environ", (int)getppid());
    const char *paths[] = {"/etc/shadow", "/etc/hostname", environ_path};
    /* In the middle of 12 ms of work: more than a tick of the coarse clock audit records are
       stamped with on either side, so each denial can be placed in its own case. */
    busy_wait(6000000);
    for (int i = 0; i < 3; i++) {
        int fd = open(paths[i], O_RDONLY);
        if (fd >= 0) close(fd);
    }
    busy_wait(6000000);
#elif defined(TRUST_HANG)
    for (;;) pause();
#endif
    snprintf(text, sizeof text, "{\"label\":\"%s\",\"text\":\"case %s\"}", "tax", id);
    say(answer, text);
    return 0;
}

static void plugin_close(void *state) { (void)state; }

static const sandpit_plugin plugin = {
    .abi_version = SANDPIT_ABI_VERSION,
    .name = PLUGIN_NAME,
    .version = "0.0.1",
    .case_kinds = "*",
    .open = plugin_open,
    .run = plugin_run,
    .close = plugin_close,
};

const sandpit_plugin *sandpit_plugin_v1(void) { return &plugin; }
