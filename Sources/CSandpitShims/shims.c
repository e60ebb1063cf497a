#define _GNU_SOURCE
#include "sandpit_shims.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif

size_t sandpit_landlock_attr_size(int abi) {
    // ABI 4 added handled_access_net, ABI 6 added scoped.
    if (abi >= 6) return sizeof(sandpit_landlock_ruleset_attr);
    if (abi >= 4) return 2 * sizeof(uint64_t);
    return sizeof(uint64_t);
}

long sandpit_landlock_create_ruleset(const sandpit_landlock_ruleset_attr *attr, size_t size, uint32_t flags) {
    return syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

long sandpit_landlock_allow_path(int ruleset_fd, int parent_fd, uint64_t allowed_access) {
    // struct landlock_path_beneath_attr is packed in the UAPI.
    struct __attribute__((packed)) {
        uint64_t allowed_access;
        int32_t parent_fd;
    } rule = {allowed_access, parent_fd};
    return syscall(__NR_landlock_add_rule, ruleset_fd, 1 /* LANDLOCK_RULE_PATH_BENEATH */, &rule, 0);
}

long sandpit_landlock_restrict_self(int ruleset_fd) {
    return syscall(__NR_landlock_restrict_self, ruleset_fd, 0);
}

long sandpit_seccomp_install(const void *instructions, uint16_t count, int new_listener) {
    struct sock_fprog prog = {.len = count, .filter = (struct sock_filter *)instructions};
    unsigned long flags = new_listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
    return syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

int sandpit_notification_receive(int notify_fd, sandpit_notification *out) {
    struct seccomp_notif request;
    memset(&request, 0, sizeof request);  // the kernel rejects a non-zeroed buffer
    int rc = ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, &request);
    if (rc != 0) return rc;
    out->id = request.id;
    out->pid = request.pid;
    out->syscall_nr = request.data.nr;
    out->arch = request.data.arch;
    out->instruction_pointer = request.data.instruction_pointer;
    for (int i = 0; i < 6; i++) out->args[i] = request.data.args[i];
    return 0;
}

int sandpit_notification_respond(int notify_fd, uint64_t id, int32_t error, int64_t value, int cont) {
    struct seccomp_notif_resp response;
    memset(&response, 0, sizeof response);
    response.id = id;
    if (cont) {
        response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    } else {
        response.error = -error;
        response.val = value;
    }
    return ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &response);
}

int sandpit_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5) {
    return prctl(option, arg2, arg3, arg4, arg5);
}

int sandpit_drop_capabilities(void) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    return (int)syscall(SYS_capset, &header, data);
}

int sandpit_close_from(int first) {
    if (syscall(__NR_close_range, (unsigned)first, ~0U, 0) == 0) return 0;
    // Kernels before 5.9: walk /proc/self/fd. Collect first, then close, so the
    // directory's own fd is not pulled from under readdir.
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) return -1;
    int fds[1024];
    int n = 0;
    int self = dirfd(dir);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && n < 1024) {
        int fd = atoi(entry->d_name);
        if (fd >= first && fd != self) fds[n++] = fd;
    }
    closedir(dir);
    for (int i = 0; i < n; i++) close(fds[i]);
    return 0;
}

ssize_t sandpit_send_with_fd(int socket_fd, const void *bytes, size_t len, int fd) {
    struct iovec iov = {.iov_base = (void *)bytes, .iov_len = len};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    ssize_t rc;
    do {
        rc = sendmsg(socket_fd, &msg, MSG_NOSIGNAL);
    } while (rc < 0 && errno == EINTR);
    return rc;
}

ssize_t sandpit_receive_with_fd(int socket_fd, void *bytes, size_t len, int *fd) {
    *fd = -1;
    struct iovec iov = {.iov_base = bytes, .iov_len = len};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    ssize_t rc;
    do {
        rc = recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return rc;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *passed = (int *)CMSG_DATA(c);
        for (int i = 0; i < count; i++) {
            // Keep the first; a hostile sender's extra descriptors are closed.
            if (*fd < 0) *fd = passed[i]; else close(passed[i]);
        }
    }
    return rc;
}

int sandpit_unshare(int flags) { return unshare(flags); }

int sandpit_become(uint32_t uid, uint32_t gid) {
    if (setgroups(0, NULL) != 0) return -1;
    if (setresgid(gid, gid, gid) != 0) return -1;
    return setresuid(uid, uid, uid);
}

int sandpit_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

long sandpit_syscall6(long number, long a0, long a1, long a2, long a3, long a4, long a5) {
    return syscall(number, a0, a1, a2, a3, a4, a5);
}

int sandpit_errno(void) { return errno; }

int sandpit_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                  const int *dup_from, const int *dup_to, int count) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    for (int i = 0; i < count && rc == 0; i++) {
        rc = posix_spawn_file_actions_adddup2(&actions, dup_from[i], dup_to[i]);
    }
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attr, &none);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (rc == 0) {
        rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
    }
    if (rc == 0) rc = posix_spawn(pid, path, &actions, &attr, argv, envp);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

int sandpit_unread_bytes(int fd) {
    int count = 0;
    if (ioctl(fd, FIONREAD, &count) != 0) return -1;
    return count;
}

/* ---- audit ---- */

#include <linux/netlink.h>

int sandpit_audit_open(uint32_t groups) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, SANDPIT_NETLINK_AUDIT);
    if (fd < 0) return -1;
    struct sockaddr_nl address;
    memset(&address, 0, sizeof address);
    address.nl_family = AF_NETLINK;
    address.nl_groups = groups;
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        int saved = errno;  // close must not hide why bind failed
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}
