/*
 * keyword-triage: routes a citizen's enquiry to a service by counting keywords.
 *
 * A baseline a real model must beat: no learning, a fixed lexicon per service,
 * ties broken by the order below. Written in C against sandpit_plugin.h only.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandpit_plugin.h"

struct service {
    const char *label;
    const char *keywords[24];
};

static const struct service services[] = {
    {"income_support", {"benefit", "jobseeker", "hardship", "grant", "work and income", "accommodation supplement",
                        "studylink", "nz super", "food", "solo parent", "case manager", "sanction", "supported living",
                        "emergency benefit", NULL}},
    {"tax", {"tax", "kiwisaver", "student loan", "working for families", "gst", "myir", "paye", "refund", "ir3",
             "provisional", "payslip", "income tax", NULL}},
    {"health", {"hospital", "gp", "doctor", "prescription", "vaccination", "specialist", "medical", "surgery",
                "mental health", "midwife", "nurse", "pharmacy", "emergency department", "waiting list", NULL}},
    {"injury", {"acc", "injury", "injured", "accident", "claim", "physio", "hurt", "rehabilitation", "broke",
                "compensation", "treatment injury", "slipped", NULL}},
    {"housing", {"state house", "kainga ora", "k\xc4\x81inga ora", "tenancy", "mould", "rent", "housing", "whare",
                 "heat pump", "leaking", "council flat", "lock", "transfer to a smaller", NULL}},
    {"immigration", {"visa", "residence", "passport", "migrant", "refugee", "pacific access", "working holiday",
                     "green list", NULL}},
};
#define SERVICE_COUNT (sizeof services / sizeof services[0])

/* Counts non-overlapping occurrences of needle in the lowercased haystack. */
static int count(const char *haystack, const char *needle) {
    int n = 0;
    size_t len = strlen(needle);
    for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + len, needle)) n++;
    return n;
}

static int sink_string(const sandpit_sink *sink, const char *s) { return sink->write(sink->context, s, strlen(s)); }

static void *plugin_open(const char *config, size_t config_len, const sandpit_sink *errors) {
    (void)config;
    (void)config_len;
    (void)errors;
    static int state = 1;
    return &state;
}

static int plugin_run(void *state, const char *input, size_t input_len, const sandpit_sink *answer) {
    (void)state;
    char *lower = malloc(input_len + 1);
    if (lower == NULL) {
        sink_string(answer, "out of memory");
        return 1;
    }
    for (size_t i = 0; i < input_len; i++) lower[i] = (char)tolower((unsigned char)input[i]);
    lower[input_len] = 0;

    int best = -1, best_score = 0;
    for (size_t s = 0; s < SERVICE_COUNT; s++) {
        int score = 0;
        for (const char *const *k = services[s].keywords; *k != NULL; k++) score += count(lower, *k);
        if (score > best_score) {
            best_score = score;
            best = (int)s;
        }
    }
    free(lower);
    const char *label = best >= 0 ? services[best].label : "income_support";
    char buffer[256];
    snprintf(buffer, sizeof buffer, "{\"label\":\"%s\",\"text\":\"%d keyword match%s\"}", label, best_score,
             best_score == 1 ? "" : "es");
    sink_string(answer, buffer);
    return 0;
}

static void plugin_close(void *state) { (void)state; }

static const sandpit_plugin plugin = {
    .abi_version = SANDPIT_ABI_VERSION,
    .name = "keyword-triage",
    .version = "1.0.0",
    .case_kinds = "triage",
    .open = plugin_open,
    .run = plugin_run,
    .close = plugin_close,
};

const sandpit_plugin *sandpit_plugin_v1(void) { return &plugin; }
