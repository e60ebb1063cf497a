/*
 * The floor for IPC on this machine: two processes bouncing a 64-byte message over a
 * socketpair, unpinned (as sandpit's host and worker are). Prints the median round trip
 * in microseconds. Used by `make bench` as the baseline for sandpit's sandboxed round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 20000;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
    char msg[64] = {0};
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        for (int i = 0; i < rounds; i++) {
            if (read(sv[1], msg, sizeof msg) != sizeof msg) _exit(1);
            if (write(sv[1], msg, sizeof msg) != sizeof msg) _exit(1);
        }
        _exit(0);
    }
    close(sv[1]);
    double *samples = malloc(sizeof(double) * rounds);
    for (int i = 0; i < rounds; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (write(sv[0], msg, sizeof msg) != sizeof msg) return 1;
        if (read(sv[0], msg, sizeof msg) != sizeof msg) return 1;
        clock_gettime(CLOCK_MONOTONIC, &b);
        samples[i] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
    }
    waitpid(pid, NULL, 0);
    qsort(samples, rounds, sizeof(double), cmp);
    printf("%.3f\n", samples[rounds / 2]);
    return 0;
}
