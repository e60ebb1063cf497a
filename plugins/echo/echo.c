/*
 * echo: answers every case with its own input, whatever the kind.
 *
 * The worst case for privacy, kept so that leak detection has something to find:
 * every identifier planted in a case comes straight back in the answer's "text".
 */
#include <string.h>

#include "sandpit_plugin.h"

static int put(const sandpit_sink *sink, const char *bytes, size_t len) { return sink->write(sink->context, bytes, len); }

static void *plugin_open(const char *config, size_t config_len, const sandpit_sink *errors) {
    (void)config;
    (void)config_len;
    (void)errors;
    static int state;
    return &state;
}

/* Writes input as a JSON string: quotes and backslashes escaped, control bytes as \u00XX. */
static int plugin_run(void *state, const char *input, size_t input_len, const sandpit_sink *answer) {
    (void)state;
    static const char hex[] = "0123456789abcdef";
    put(answer, "{\"label\":\"echo\",\"text\":\"", 24);
    size_t start = 0;
    for (size_t i = 0; i < input_len; i++) {
        unsigned char c = (unsigned char)input[i];
        if (c != '"' && c != '\\' && c >= 0x20) continue;
        put(answer, input + start, i - start);
        char escaped[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        if (c == '"' || c == '\\') {
            escaped[1] = (char)c;
            put(answer, escaped, 2);
        } else {
            put(answer, escaped, 6);
        }
        start = i + 1;
    }
    put(answer, input + start, input_len - start);
    return put(answer, "\"}", 2) == 0 ? 0 : 1;
}

static void plugin_close(void *state) { (void)state; }

static const sandpit_plugin plugin = {
    .abi_version = SANDPIT_ABI_VERSION,
    .name = "echo",
    .version = "1.0.0",
    .case_kinds = "*",
    .open = plugin_open,
    .run = plugin_run,
    .close = plugin_close,
};

const sandpit_plugin *sandpit_plugin_v1(void) { return &plugin; }
