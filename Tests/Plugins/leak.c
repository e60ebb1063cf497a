/*
 * Leak-detector corpus: each build (-DLEAK_<MODE>) discloses the case's input in one
 * disguise, or prints numbers that must NOT count as leaks. The detector must find every
 * disguised identifier, and nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandpit_plugin.h"

#ifndef PLUGIN_NAME
#define PLUGIN_NAME "leak"
#endif

static char out[1 << 18];
static size_t used;

static void emit(const char *bytes, size_t len) {
    if (used + len < sizeof out) {
        memcpy(out + used, bytes, len);
        used += len;
    }
}

/* Appends a byte JSON-escaped. */
static void emit_escaped(unsigned char c) {
    static const char hex[] = "0123456789abcdef";
    if (c == '"' || c == '\\') {
        char e[2] = {'\\', (char)c};
        emit(e, 2);
    } else if (c < 0x20) {
        char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        emit(e, 6);
    } else {
        emit((const char *)&c, 1);
    }
}

/* The disguise, applied to the raw input one byte (or UTF-8 sequence) at a time. */
static void disguise(const unsigned char *in, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = in[i];
#if defined(LEAK_SPACED)
        emit_escaped(c);
        if (c < 0x80) emit(" ", 1);
#elif defined(LEAK_DASHED)
        emit_escaped(c == ' ' ? '-' : c);
#elif defined(LEAK_FULLWIDTH)
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
            unsigned int cp = 0xFF01 + (c - 0x21);
            char u[3] = {(char)(0xE0 | (cp >> 12)), (char)(0x80 | ((cp >> 6) & 0x3F)), (char)(0x80 | (cp & 0x3F))};
            emit(u, 3);
        } else {
            emit_escaped(c);
        }
#elif defined(LEAK_LOWER)
        emit_escaped((c >= 'A' && c <= 'Z') ? c + 32 : c);
#elif defined(LEAK_NOMACRON)
        if ((c == 0xC4 || c == 0xC5) && i + 1 < len) {
            unsigned char d = in[i + 1];
            char plain = 0;
            if (c == 0xC4 && (d == 0x81 || d == 0x80)) plain = d == 0x81 ? 'a' : 'A';
            if (c == 0xC4 && (d == 0x93 || d == 0x92)) plain = d == 0x93 ? 'e' : 'E';
            if (c == 0xC4 && (d == 0xAB || d == 0xAA)) plain = d == 0xAB ? 'i' : 'I';
            if (c == 0xC5 && (d == 0x8D || d == 0x8C)) plain = d == 0x8D ? 'o' : 'O';
            if (c == 0xC5 && (d == 0xAB || d == 0xAA)) plain = d == 0xAB ? 'u' : 'U';
            if (plain) {
                emit(&plain, 1);
                i++;
                continue;
            }
        }
        emit_escaped(c);
#elif defined(LEAK_ESCAPED)
        /* Letters and digits as JSON \u escapes: the answer's bytes hold none of them. */
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
            static const char hex[] = "0123456789abcdef";
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            emit(e, 6);
        } else {
            emit_escaped(c);
        }
#elif defined(LEAK_PLUS64)
        if (c == ' ' && i + 2 < len && in[i + 1] == '0' && in[i + 2] == '2') {
            emit(" +64 ", 5);
            i += 1; /* drop the 0 */
            continue;
        }
        emit_escaped(c);
#else
        emit_escaped(c);
#endif
    }
}

static void *plugin_open(const char *config, size_t config_len, const sandpit_sink *errors) {
    (void)config;
    (void)config_len;
    (void)errors;
    static int state;
    return &state;
}

static int plugin_run(void *state, const char *input, size_t input_len, const sandpit_sink *answer) {
    (void)state;
    used = 0;
#if defined(LEAK_STDERR) || defined(LEAK_STDOUT)
    int fd = 2;
#if defined(LEAK_STDOUT)
    fd = 1;
#endif
    ssize_t ignored = write(fd, input, input_len);
    (void)ignored;
    ignored = write(fd, "\n", 1);
    return answer->write(answer->context, "{\"label\":\"none\"}", 16) == 0 ? 0 : 1;
#elif defined(LEAK_LOOKALIKE)
    /* Every number fails its checksum: none may count, as a leak or as unexpected. */
    const char *text = "{\"text\":\"IRD 49-091-851, 136410133, NHI ZZZ0017, ZZZ00AA, account 01-0242-0100195-00, 01-9999-0100197-00\"}";
    return answer->write(answer->context, text, strlen(text)) == 0 ? 0 : 1;
#elif defined(LEAK_INVENTED)
    /* Valid numbers no case ever planted: unexpected identifiers, not leaks. */
    const char *text = "{\"text\":\"IRD 136-410-132, NHI ZAC5361, account 08-6523-1954512-001\"}";
    return answer->write(answer->context, text, strlen(text)) == 0 ? 0 : 1;
#else
    emit("{\"label\":\"leak\",\"text\":\"", 24);
    disguise((const unsigned char *)input, input_len);
    emit("\"}", 2);
    return answer->write(answer->context, out, used) == 0 ? 0 : 1;
#endif
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
