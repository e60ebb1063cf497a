/*
 * sandpit plugin ABI, version 1.
 *
 * This header is the contract of docs/PLUGIN_ABI.md, field for field.
 * Plugins built against it must keep loading in every release that says ABI 1:
 * never reorder, retype or remove a field here.
 */
#ifndef SANDPIT_PLUGIN_H
#define SANDPIT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SANDPIT_ABI_VERSION 1u

/* Where a plugin writes bytes: an answer, or an error message.
   The host owns it; it is valid only during the call it was passed to, and
   writes through it after that call has returned are ignored. */
typedef struct sandpit_sink {
    void *context;
    /* Appends len bytes. Returns 0, or -1 once the policy's output limit is
       reached (the bytes past the limit are dropped). */
    int (*write)(void *context, const char *bytes, size_t len);
} sandpit_sink;

typedef struct sandpit_plugin {
    uint32_t abi_version;      /* SANDPIT_ABI_VERSION */
    const char *name;          /* stable id: lowercase letters, digits, '-'; 1..64 chars */
    const char *version;       /* the plugin's own version, free text, 1..64 chars */
    const char *case_kinds;    /* comma-separated case kinds it answers, or "*" */

    /* Called once, after the worker is locked down; files under the policy's
       read-only paths (a model's weights) can still be read here. config: UTF-8
       JSON object ("{}" when none). Returns the plugin's state, or NULL on failure
       after writing a message to errors. */
    void *(*open)(const char *config, size_t config_len, const sandpit_sink *errors);

    /* Called once per case. input: UTF-8 JSON object (the case, see below).
       Writes one UTF-8 JSON object to answer. Returns 0 on success; non-zero
       means the plugin could not answer, and answer then holds its message. */
    int (*run)(void *state, const char *input, size_t input_len, const sandpit_sink *answer);

    /* Called once at the end (may be skipped if the worker is killed). */
    void (*close)(void *state);
} sandpit_plugin;

/* The one exported symbol. Returns a pointer to static data. */
const sandpit_plugin *sandpit_plugin_v1(void);

/* The entry symbol's name, for dlsym. */
#define SANDPIT_PLUGIN_ENTRY "sandpit_plugin_v1"

/* The signature of the entry symbol, for dlsym. */
typedef const sandpit_plugin *(*sandpit_plugin_entry)(void);

#ifdef __cplusplus
}
#endif

#endif /* SANDPIT_PLUGIN_H */
