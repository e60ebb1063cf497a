/*
 * C helpers for what Swift cannot call directly: variadic syscalls (`syscall`,
 * `prctl`, `ioctl`), the cmsg macros for SCM_RIGHTS, and kernel structures newer
 * than the installed headers. Each returns the raw result and leaves errno to
 * the caller, as swift-system's shims do.
 */
#ifndef SANDPIT_SHIMS_H
#define SANDPIT_SHIMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Landlock (constants up to ABI 6, whatever the installed headers say) ---- */

#define SANDPIT_LANDLOCK_ACCESS_FS_EXECUTE (1ULL << 0)
#define SANDPIT_LANDLOCK_ACCESS_FS_WRITE_FILE (1ULL << 1)
#define SANDPIT_LANDLOCK_ACCESS_FS_READ_FILE (1ULL << 2)
#define SANDPIT_LANDLOCK_ACCESS_FS_READ_DIR (1ULL << 3)
#define SANDPIT_LANDLOCK_ACCESS_FS_REMOVE_DIR (1ULL << 4)
#define SANDPIT_LANDLOCK_ACCESS_FS_REMOVE_FILE (1ULL << 5)
#define SANDPIT_LANDLOCK_ACCESS_FS_MAKE_CHAR (1ULL << 6)
#define SANDPIT_LANDLOCK_ACCESS_FS_MAKE_DIR (1ULL << 7)
#define SANDPIT_LANDLOCK_ACCESS_FS_MAKE_REG (1ULL << 8)
#define SANDPIT_LANDLOCK_ACCESS_FS_MAKE_SOCK (1ULL << 9)
#define SANDPIT_LANDLOCK_ACCESS_FS_MAKE_FIFO (1ULL << 10)
#define SANDPIT_LANDLOCK_ACCESS_FS_MAKE_BLOCK (1ULL << 11)
#define SANDPIT_LANDLOCK_ACCESS_FS_MAKE_SYM (1ULL << 12)
#define SANDPIT_LANDLOCK_ACCESS_FS_REFER (1ULL << 13)     /* ABI 2 */
#define SANDPIT_LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define SANDPIT_LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define SANDPIT_LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)  /* ABI 4 */
#define SANDPIT_LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#define SANDPIT_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define SANDPIT_LANDLOCK_SCOPE_SIGNAL (1ULL << 1)

/* struct landlock_ruleset_attr as of ABI 6. The kernel takes its size, so an
   older kernel is given the prefix it knows (see sandpit_landlock_attr_size). */
typedef struct sandpit_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
} sandpit_landlock_ruleset_attr;

/* The size of the ruleset attribute a kernel with this Landlock ABI accepts. */
size_t sandpit_landlock_attr_size(int abi);

/* landlock_create_ruleset(2); with attr NULL and flags 1, the ABI version. */
long sandpit_landlock_create_ruleset(const sandpit_landlock_ruleset_attr *attr, size_t size, uint32_t flags);
/* landlock_add_rule(2) for LANDLOCK_RULE_PATH_BENEATH. */
long sandpit_landlock_allow_path(int ruleset_fd, int parent_fd, uint64_t allowed_access);
/* landlock_restrict_self(2). */
long sandpit_landlock_restrict_self(int ruleset_fd);

/* ---- seccomp ---- */

/* seccomp(SECCOMP_SET_MODE_FILTER, flags, prog) for a filter of `count` BPF
   instructions (8 bytes each). With new_listener, returns the notification fd. */
long sandpit_seccomp_install(const void *instructions, uint16_t count, int new_listener);

/* One seccomp user notification, flattened for Swift. */
typedef struct sandpit_notification {
    uint64_t id;
    uint32_t pid;
    int32_t syscall_nr;
    uint32_t arch;
    uint64_t instruction_pointer;
    uint64_t args[6];
} sandpit_notification;

/* SECCOMP_IOCTL_NOTIF_RECV: blocks until a notification is pending. */
int sandpit_notification_receive(int notify_fd, sandpit_notification *out);
/* SECCOMP_IOCTL_NOTIF_SEND: fail the call with -error (error > 0), or let it
   continue (cont != 0; decided only on register values, never on memory). */
int sandpit_notification_respond(int notify_fd, uint64_t id, int32_t error, int64_t value, int cont);

/* ---- process ---- */

/* Constants glibc hides behind _GNU_SOURCE, which Swift's Glibc module does not set. */
#define SANDPIT_CLONE_NEWNS 0x00020000
#define SANDPIT_CLONE_NEWUTS 0x04000000
#define SANDPIT_CLONE_NEWIPC 0x08000000
#define SANDPIT_CLONE_NEWUSER 0x10000000
#define SANDPIT_CLONE_NEWNET 0x40000000
#define SANDPIT_CLONE_THREAD 0x00010000
#define SANDPIT_O_PATH 010000000
#define SANDPIT_PR_SET_PDEATHSIG 1
#define SANDPIT_PR_SET_DUMPABLE 4
#define SANDPIT_PR_SET_NO_NEW_PRIVS 38

/* unshare(2). */
int sandpit_unshare(int flags);
/* setgroups(0), setresgid(gid) and setresuid(uid), in that order; stops at the first failure. */
int sandpit_become(uint32_t uid, uint32_t gid);

/* prctl(2) with up to four arguments (prctl is variadic). */
int sandpit_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5);
/* Clears every capability set (effective, permitted, inheritable) with capset(2). */
int sandpit_drop_capabilities(void);
/* close_range(2), falling back to a loop over /proc/self/fd when the kernel lacks it. */
int sandpit_close_from(int first);
/* Writes `len` bytes and one file descriptor in a single sendmsg(2) (SCM_RIGHTS). */
ssize_t sandpit_send_with_fd(int socket_fd, const void *bytes, size_t len, int fd);
/* Reads up to `len` bytes with recvmsg(2); *fd receives a passed descriptor or -1.
   Descriptors are received close-on-exec. */
ssize_t sandpit_receive_with_fd(int socket_fd, void *bytes, size_t len, int *fd);
/* memfd_create(name, MFD_CLOEXEC) (glibc declares it only under _GNU_SOURCE). */
int sandpit_memfd(const char *name);
/* syscall(2) with six arguments, for tests that probe a filter call by call. */
long sandpit_syscall6(long number, long a0, long a1, long a2, long a3, long a4, long a5);
/* The calling thread's errno. */
int sandpit_errno(void);
/* ioctl(FIONREAD): bytes waiting in a pipe or socket, or -1 (ioctl is variadic). */
int sandpit_unread_bytes(int fd);
/* fcntl F_SETPIPE_SZ / F_GETPIPE_SZ, hidden behind _GNU_SOURCE. */
#define SANDPIT_F_SETPIPE_SZ 1031
#define SANDPIT_F_GETPIPE_SZ 1032

/* ---- posix_spawn ---- */

/* posix_spawn of a worker: `dup_from[i]` becomes fd `dup_to[i]` in the child,
   the signal mask and dispositions are reset, and the child starts a new
   session. Returns 0 or an errno value, and the pid in *pid. */
int sandpit_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                  const int *dup_from, const int *dup_to, int count);

/* ---- audit (Landlock reports denials as audit records from ABI 7, Linux 6.15) ---- */

/* From <linux/audit.h> and <linux/netlink.h>, which Swift's Glibc module does not
   include; the Landlock record types are newer than some installed headers. */
#define SANDPIT_NETLINK_AUDIT 9
#define SANDPIT_NLMSG_ERROR 2
#define SANDPIT_NLM_F_REQUEST 0x1
#define SANDPIT_NLM_F_ACK 0x4
#define SANDPIT_AUDIT_GET 1000
#define SANDPIT_AUDIT_SET 1001
#define SANDPIT_AUDIT_STATUS_ENABLED 0x0001
#define SANDPIT_AUDIT_STATUS_BACKLOG_LIMIT 0x0004
#define SANDPIT_AUDIT_TRUSTED_APP 1121
#define SANDPIT_AUDIT_SYSCALL 1300
#define SANDPIT_AUDIT_PATH 1302
#define SANDPIT_AUDIT_EOE 1320
#define SANDPIT_AUDIT_ADD_RULE 1011
#define SANDPIT_AUDIT_LANDLOCK_ACCESS 1423
#define SANDPIT_AUDIT_LANDLOCK_DOMAIN 1424
#define SANDPIT_AUDIT_NLGRP_READLOG 1

/* struct audit_status, the payload of AUDIT_GET replies and AUDIT_SET requests. */
typedef struct sandpit_audit_status {
    uint32_t mask;          /* which fields an AUDIT_SET changes */
    uint32_t enabled;       /* 0 off, 1 on, 2 on and locked */
    uint32_t failure;
    uint32_t pid;           /* auditd's pid, 0 when none */
    uint32_t rate_limit;
    uint32_t backlog_limit;
    uint32_t lost;          /* records the kernel could not queue, since boot */
    uint32_t backlog;
    uint32_t feature_bitmap;
    uint32_t backlog_wait_time;
    uint32_t backlog_wait_time_actual;
} sandpit_audit_status;

/* socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT) bound to the multicast
   groups in `groups` (a bit mask: 0 for a socket that only sends requests,
   1 << (SANDPIT_AUDIT_NLGRP_READLOG - 1) to read the log, which needs CAP_AUDIT_READ).
   Exists because struct sockaddr_nl is not visible from Swift's Glibc. Returns the fd,
   or -1 with errno from socket(2) or bind(2). */
int sandpit_audit_open(uint32_t groups);

#ifdef __cplusplus
}
#endif

#endif /* SANDPIT_SHIMS_H */
