/** Kernel-thread masquerade: a user-space process named like a kernel thread. */
import type { ProcessInfo } from "../../host/proc_types.ts";

/** comm patterns that only kernel threads use. Userspace daemons such as `watchdog` or `irqbalance` do not match. */
export const KTHREAD_COMM: readonly RegExp[] = [
  /^kworker\//,
  /^ksoftirqd\/\d+$/,
  /^migration\/\d+$/,
  /^watchdog\/\d+$/,
  /^cpuhp\/\d+$/,
  /^kthreadd$/,
  /^kswapd\d+$/,
  /^kcompactd\d+$/,
  /^jbd2\//,
  /^rcu_(?:sched|bh|preempt|gp|par_gp|tasks\w*|exp\w*)$/,
  /^khugepaged$/,
  /^kdevtmpfs$/,
  /^kauditd$/,
  /^khungtaskd$/,
  /^irq\/\d+-/,
  /^kblockd$/,
  /^oom_reaper$/,
  /^ksmd$/,
  /^kintegrityd$/,
  /^writeback$/,
  /^pool_workqueue_release$/,
];

/** Why a user-space process looks like a kernel thread, or undefined when it does not. */
export function kthreadMasquerade(p: ProcessInfo): string | undefined {
  if (p.kernelThread) return undefined;
  const argv0 = p.cmdline[0] ?? "";
  if (/^\[.+\]$/.test(argv0.trim())) return `argv[0] "${argv0}" is bracketed like a kernel thread`;
  if (KTHREAD_COMM.some((re) => re.test(p.comm))) return `comm "${p.comm}" is a kernel thread name`;
  return undefined;
}
