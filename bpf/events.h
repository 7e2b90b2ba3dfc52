/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one definition of the events process_exec.bpf.c writes to its ring buffer, and of its maps' keys.
 * The TypeScript decoder (src/trace/layout.ts) mirrors these offsets; tests/trace/layout_test.ts pins them.
 * All fields are little-endian (the host's order on x86-64), events are fixed-size and 8-byte aligned.
 * Bump EVENT_LAYOUT_VERSION on any change: user space rejects a version it does not know.
 */
#ifndef SYS_SCAN_EVENTS_H
#define SYS_SCAN_EVENTS_H

#define EVENT_LAYOUT_VERSION 1

#define COMM_LEN 16
#define PATH_LEN 256
#define ARGS_LEN 512

enum event_type {
	EVENT_EXEC = 1,
	EVENT_CONNECT = 2,
};

/* Which program produced an event (user space reports the attach mode from this and from the attach step). */
enum hook_id {
	HOOK_EXEC_TP_BTF = 1,     /* tp_btf/sched_process_exec: no tracefs needed */
	HOOK_EXEC_TRACEPOINT = 2, /* tracepoint/sched/sched_process_exec: needs tracefs */
	HOOK_CONNECT_FEXIT = 3,   /* fexit/__sys_connect_file: only the connect path pays, result known */
	HOOK_CONNECT_TP_BTF = 4,  /* tp_btf/sys_enter filtered on connect: every syscall pays */
	HOOK_CONNECT_TRACEPOINT = 5, /* tracepoint/syscalls/sys_enter_connect: needs tracefs, every syscall pays */
};

/* exec_event.flags */
#define EXEC_F_ARGS_TRUNCATED 0x1
#define EXEC_F_FILENAME_TRUNCATED 0x2
#define EXEC_F_ARGS_UNREADABLE 0x4

/* connect_event.flags */
#define CONNECT_F_RESULT_KNOWN 0x1

/* Index of each counter in the `stats` array map (u32 key -> u64 value). */
enum stat_index {
	STAT_RINGBUF_FULL = 0,         /* bpf_ringbuf_reserve failed: the event was lost */
	STAT_RATE_LIMITED_EXEC = 1,    /* exec events over the per-CPU rate limit */
	STAT_RATE_LIMITED_CONNECT = 2, /* connect events over the per-CPU rate limit */
	STAT_MAX = 4,
};

/* Value of key 0 of the `trace_cfg` array map, written by user space before attaching. 0 = built-in default. */
struct trace_config {
	__u64 exec_per_sec_per_cpu;
	__u64 connect_per_sec_per_cpu;
};

#define DEFAULT_EXEC_PER_SEC_PER_CPU 20000
#define DEFAULT_CONNECT_PER_SEC_PER_CPU 20000

/* 16 bytes, first in every event. ts_ns is bpf_ktime_get_ns() (CLOCK_MONOTONIC). */
struct event_header {
	__u16 version; /* 0 */
	__u16 type;    /* 2 */
	__u32 size;    /* 4: the whole event, header included */
	__u64 ts_ns;   /* 8 */
};

/* 1104 bytes. */
struct exec_event {
	struct event_header hdr; /* 0 */
	__u32 pid;               /* 16: tgid */
	__u32 tid;               /* 20 */
	__u32 ppid;              /* 24: real_parent's tgid */
	__u32 uid;               /* 28 */
	__u32 gid;               /* 32 */
	__u32 loginuid;          /* 36: 4294967295 when unset */
	__u64 cgroup_id;         /* 40 */
	__u32 flags;             /* 48: EXEC_F_* */
	__u32 args_len;          /* 52: bytes used in args (NUL-separated argv) */
	__u32 argc;              /* 56: 0 when the hook cannot see it */
	__u32 hook;              /* 60: enum hook_id */
	char comm[COMM_LEN];     /* 64: comm after exec */
	char filename[PATH_LEN]; /* 80: the path given to exec (/dev/fd/N for fexecve) */
	char interp[PATH_LEN];   /* 336: what the kernel ran (the interpreter for #! scripts); empty if unknown */
	char args[ARGS_LEN];     /* 592 */
};

/* 88 bytes. Only AF_INET and AF_INET6 are sent. */
struct connect_event {
	struct event_header hdr; /* 0 */
	__u32 pid;               /* 16 */
	__u32 tid;               /* 20 */
	__u32 ppid;              /* 24 */
	__u32 uid;               /* 28 */
	__u16 family;            /* 32: 2 (AF_INET) or 10 (AF_INET6) */
	__u16 dport;             /* 34: host order */
	__s32 ret;               /* 36: connect's result when CONNECT_F_RESULT_KNOWN, else 0 */
	__u32 flags;             /* 40: CONNECT_F_* */
	__u32 hook;              /* 44: enum hook_id */
	__u8 daddr[16];          /* 48: IPv4 in the first 4 bytes */
	char comm[COMM_LEN];     /* 64 */
	__u64 cgroup_id;         /* 80 */
};

#endif
