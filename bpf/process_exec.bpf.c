// SPDX-License-Identifier: GPL-2.0
/*
 * sys-scan exec and connect tracer. One object, several hooks; user space attaches one exec and one connect
 * program, preferring the ones that need no tracefs and cost the rest of the system nothing:
 *   exec:    tp_btf/sched_process_exec, else tracepoint/sched/sched_process_exec
 *   connect: fexit/__sys_connect_file (only the connect path pays), else tp_btf/sys_enter (runs on every
 *            syscall, sees 32-bit callers too), else tracepoint/syscalls/sys_enter_connect (needs tracefs; every
 *            syscall takes the slow path; blind to 32-bit callers)
 * sched_process_exec fires for execve and execveat alike. Events are defined in events.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define NR_CONNECT_X86_64 42
#define NR_CONNECT_I386 362
#define NR_SOCKETCALL_I386 102
#define SYS_CONNECT_CALL 3
#define TS_COMPAT 0x0002

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct trace_config);
} trace_cfg SEC(".maps");

struct rate_window {
	__u64 start_ns;
	__u64 count;
};

/* Key 0: exec, key 1: connect. Per CPU, so no locking on the hot path. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct rate_window);
} rate SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);
	if (v)
		__sync_fetch_and_add(v, 1);
}

/* True when this CPU is still under the per-second limit for this kind of event. */
static __always_inline bool rate_ok(__u32 kind)
{
	__u32 zero = 0;
	struct trace_config *cfg = bpf_map_lookup_elem(&trace_cfg, &zero);
	__u64 limit = 0;
	if (cfg)
		limit = kind == 0 ? cfg->exec_per_sec_per_cpu : cfg->connect_per_sec_per_cpu;
	if (limit == 0)
		limit = kind == 0 ? DEFAULT_EXEC_PER_SEC_PER_CPU : DEFAULT_CONNECT_PER_SEC_PER_CPU;
	struct rate_window *w = bpf_map_lookup_elem(&rate, &kind);
	if (!w)
		return true;
	__u64 now = bpf_ktime_get_ns();
	if (now - w->start_ns >= 1000000000ULL) {
		w->start_ns = now;
		w->count = 0;
	}
	if (w->count >= limit) {
		stat_inc(kind == 0 ? STAT_RATE_LIMITED_EXEC : STAT_RATE_LIMITED_CONNECT);
		return false;
	}
	w->count++;
	return true;
}

static __always_inline void fill_header(struct event_header *h, __u16 type, __u32 size)
{
	h->version = EVENT_LAYOUT_VERSION;
	h->type = type;
	h->size = size;
	h->ts_ns = bpf_ktime_get_ns();
}

/* Fills and submits an exec event. `filename` and `interp` are kernel strings (interp may be NULL). */
static __always_inline int emit_exec(struct task_struct *task, const char *filename, const char *interp,
				     __u32 argc, __u32 hook)
{
	if (!rate_ok(0))
		return 0;
	struct exec_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(STAT_RINGBUF_FULL);
		return 0;
	}
	fill_header(&e->hdr, EVENT_EXEC, sizeof(*e));
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->loginuid = 0xffffffff;
	if (bpf_core_field_exists(task->loginuid))
		e->loginuid = BPF_CORE_READ(task, loginuid.val);
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->flags = 0;
	e->argc = argc;
	e->hook = hook;
	bpf_get_current_comm(e->comm, sizeof(e->comm));

	long n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
	if (n == sizeof(e->filename))
		e->flags |= EXEC_F_FILENAME_TRUNCATED;
	e->interp[0] = 0;
	if (interp)
		bpf_probe_read_kernel_str(e->interp, sizeof(e->interp), interp);

	/* argv is NUL-separated at mm->arg_start..arg_end of the new image; read a bounded prefix of it. */
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	__u64 len = end > start ? end - start : 0;
	if (len > ARGS_LEN) {
		len = ARGS_LEN;
		e->flags |= EXEC_F_ARGS_TRUNCATED;
	}
	e->args_len = 0;
	if (len > 0) {
		if (bpf_probe_read_user(e->args, len & (2 * ARGS_LEN - 1), (void *)start) == 0)
			e->args_len = len;
		else
			e->flags |= EXEC_F_ARGS_UNREADABLE;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return emit_exec(p, BPF_CORE_READ(bprm, filename), BPF_CORE_READ(bprm, interp), BPF_CORE_READ(bprm, argc),
			 HOOK_EXEC_TP_BTF);
}

SEC("tracepoint/sched/sched_process_exec")
int exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	unsigned int loc = BPF_CORE_READ(ctx, __data_loc_filename) & 0xffff;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return emit_exec(task, (const char *)ctx + loc, NULL, 0, HOOK_EXEC_TRACEPOINT);
}

/* Reads the sockaddr (kernel or user memory) and submits a connect event for AF_INET/AF_INET6 only. */
static __always_inline int emit_connect(const void *addr, int addrlen, bool user, int ret, __u32 flags, __u32 hook)
{
	__u16 family = 0;
	if (!addr || addrlen < (int)sizeof(family))
		return 0;
	if (user ? bpf_probe_read_user(&family, sizeof(family), addr) : bpf_probe_read_kernel(&family, sizeof(family), addr))
		return 0;
	if (family == AF_INET) {
		if (addrlen < (int)sizeof(struct sockaddr_in))
			return 0;
	} else if (family == AF_INET6) {
		if (addrlen < 24) /* SIN6_LEN_RFC2133: the kernel accepts it without sin6_scope_id */
			return 0;
	} else {
		return 0;
	}
	if (!rate_ok(1))
		return 0;
	struct connect_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_inc(STAT_RINGBUF_FULL);
		return 0;
	}
	fill_header(&e->hdr, EVENT_CONNECT, sizeof(*e));
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->family = family;
	e->ret = ret;
	e->flags = flags;
	e->hook = hook;
	e->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	__u16 port = 0;
	if (family == AF_INET) {
		struct sockaddr_in sin = {};
		if (user)
			bpf_probe_read_user(&sin, sizeof(sin), addr);
		else
			bpf_probe_read_kernel(&sin, sizeof(sin), addr);
		port = sin.sin_port;
		__builtin_memcpy(e->daddr, &sin.sin_addr.s_addr, 4);
	} else {
		struct sockaddr_in6 sin6 = {};
		if (user)
			bpf_probe_read_user(&sin6, 24, addr);
		else
			bpf_probe_read_kernel(&sin6, 24, addr);
		port = sin6.sin6_port;
		__builtin_memcpy(e->daddr, &sin6.sin6_addr, 16);
	}
	e->dport = bpf_ntohs(port);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Covers connect(2) and io_uring connects; runs only on the connect path, after it, so the result is known. */
SEC("fexit/__sys_connect_file")
int BPF_PROG(connect_fexit, struct file *file, struct sockaddr *address, int addrlen, int file_flags, int ret)
{
	return emit_connect(address, addrlen, false, ret, CONNECT_F_RESULT_KNOWN, HOOK_CONNECT_FEXIT);
}

/*
 * Every syscall enters here, so the common path is three compares on the syscall number. 32-bit (compat)
 * tasks use other numbers and registers: connect is 362 (fd, addr, len in bx, cx, dx) or
 * socketcall(SYS_CONNECT, args) (102).
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(connect_btf, struct pt_regs *regs, long id)
{
	if (id != NR_CONNECT_X86_64 && id != NR_CONNECT_I386 && id != NR_SOCKETCALL_I386)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 status = 0;
	if (bpf_core_field_exists(task->thread_info.status))
		status = task->thread_info.status;
	if (!(status & TS_COMPAT)) {
		if (id != NR_CONNECT_X86_64)
			return 0;
		return emit_connect((const void *)BPF_CORE_READ(regs, si), (int)BPF_CORE_READ(regs, dx), true, 0, 0,
				    HOOK_CONNECT_TP_BTF);
	}
	if (id == NR_CONNECT_I386)
		return emit_connect((const void *)(unsigned long)(__u32)BPF_CORE_READ(regs, cx),
				    (int)BPF_CORE_READ(regs, dx), true, 0, 0, HOOK_CONNECT_TP_BTF);
	if (id == NR_SOCKETCALL_I386 && (__u32)BPF_CORE_READ(regs, bx) == SYS_CONNECT_CALL) {
		__u32 args[3];
		if (bpf_probe_read_user(args, sizeof(args), (const void *)(unsigned long)(__u32)BPF_CORE_READ(regs, cx)))
			return 0;
		return emit_connect((const void *)(unsigned long)args[1], (int)args[2], true, 0, 0, HOOK_CONNECT_TP_BTF);
	}
	return 0;
}

/* ftrace's syscall events ignore 32-bit (compat) calls, so this variant cannot see their connects. */
SEC("tracepoint/syscalls/sys_enter_connect")
int connect_tp(struct trace_event_raw_sys_enter *ctx)
{
	const void *addr = (const void *)BPF_CORE_READ(ctx, args[1]);
	int addrlen = (int)BPF_CORE_READ(ctx, args[2]);
	return emit_connect(addr, addrlen, true, 0, 0, HOOK_CONNECT_TRACEPOINT);
}
