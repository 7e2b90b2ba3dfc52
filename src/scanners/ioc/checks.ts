/** The ioc scanner's catalogue: one entry per indicator, with the reasons for its severity. */
import { type CheckInput, checkMaker } from "../../core/catalogue.ts";

/** The scanner name. */
export const IOC = "ioc";

const mk = checkMaker(IOC, { category: "ioc" });

/** Every ioc check. */
export const IOC_CHECKS: CheckInput[] = [
  mk({
    id: "ioc.process.deleted_exe",
    title: "Process runs a deleted executable",
    severity: "high",
    rationale:
      "Malware deletes its binary after starting so that nothing is left on disk to find. High by default; " +
      "critical when the path was in a temp, world-writable or home location; low when a root-owned file is back " +
      "at the same system path (a package upgrade replaced it and the process has not been restarted). On the " +
      "live host deletion is judged by the link count of the file behind /proc/<pid>/exe, so a file merely " +
      "named 'x (deleted)' does not count and an unlinked one does whatever its link says; under --root, by " +
      "the link's ' (deleted)' suffix.",
    remediation:
      "Copy the running image from /proc/<pid>/exe for analysis, then find out what started the process. " +
      "After an upgrade, restart the service.",
    mitre: ["T1070.004"],
  }),
  mk({
    id: "ioc.process.fileless_exe",
    title: "Process runs from memory (memfd or anonymous executable)",
    severity: "high",
    rationale:
      "Executing from a memfd leaves no file on disk: a favourite of in-memory loaders and droppers. A few " +
      "legitimate programs (runc, some sandboxes and agents) do it too, so the process must be identified." +
      " High: code without a file on disk escapes every file-based check (packages, hashes, YARA on disk), and in-memory loaders rely on exactly that.",
    remediation:
      "Dump /proc/<pid>/exe and /proc/<pid>/maps, identify the parent process and how it was started.",
    mitre: ["T1620", "T1027.011"],
  }),
  mk({
    id: "ioc.process.exe_world_writable",
    title: "Process executable can be replaced by any user",
    severity: "high",
    rationale:
      "The executable file, or a directory on its path without the sticky bit, is world-writable: any local " +
      "user can replace what this process (and the next start of it) runs." +
      " High: any local account can swap what the process runs, which is the process's privileges for everyone.",
    remediation:
      "Remove the world-write bit (chmod o-w) from the file and its directories; check the file's integrity.",
    mitre: ["T1574.010"],
  }),
  mk({
    id: "ioc.process.exe_user_writable",
    title: "Process executable can be replaced by a non-root user",
    severity: "medium",
    rationale:
      "The executable, or a directory on its path up to the root, is owned by a user other than root or is " +
      "writable by a non-root group (a web root owned by www-data, /opt/app owned by a service account): that " +
      "account can change what this process runs the next time it starts. High when the process runs as root, " +
      "where this is a path from that account to root; medium otherwise.",
    remediation:
      "Give the program and its directories to root (chown root:root, chmod go-w) and keep the service's " +
      "writable data elsewhere; check that the file is the one that was installed.",
    mitre: ["T1574.010"],
  }),
  mk({
    id: "ioc.process.exe_in_temp",
    title: "Process runs from a temporary directory",
    severity: "high",
    rationale:
      "The executable sits under a world-writable sticky directory such as /tmp, /var/tmp or /dev/shm (judged " +
      "by permission bits): where droppers put payloads, and not where installed software lives." +
      " High: packaged programs never run from a temporary directory, so the program was dropped there.",
    remediation: "Identify the binary (hash, strings, owner), how it was started, and remove it if unknown.",
    mitre: ["T1036.005", "T1059"],
  }),
  mk({
    id: "ioc.process.exe_in_home",
    title: "Process runs from a home directory",
    severity: "low",
    rationale:
      "Users and developers do run their own programs, so this is low; but attackers who land as a user " +
      "stage tools in that user's home, so it belongs in the triage picture.",
    remediation: "Confirm the program is expected for that user.",
    mitre: ["T1059"],
    confidence: "heuristic",
  }),
  mk({
    id: "ioc.process.ld_preload",
    title: "Process runs with LD_PRELOAD",
    severity: "high",
    rationale:
      "LD_PRELOAD injects a library into the process: the classic user-land rootkit and credential-sniffing " +
      "technique. Critical when a library lies in a temp, world-writable or home location or relative to the current " +
      "directory; with --ioc-env-trust, info when every library is root-owned in a system library directory. Every " +
      "copy of the variable in the environment is judged: glibc's loader uses the last, getenv and musl the first." +
      " High: the library runs inside the process with its privileges and sees its data, passwords included.",
    remediation:
      "Identify the library and who set the variable (service unit, shell profile, parent process).",
    mitre: ["T1574.006"],
  }),
  mk({
    id: "ioc.process.ld_audit",
    title: "Process runs with LD_AUDIT",
    severity: "high",
    rationale:
      "LD_AUDIT loads libraries into the process before anything else, like LD_PRELOAD (their constructors run even " +
      "when they are not valid audit interfaces), and few tools look at it. Critical when a library lies in a temp, " +
      "world-writable or home location or relative to the current directory; with --ioc-env-trust, info when every " +
      "library is root-owned in a system library directory." +
      " High: the library runs inside the process with its privileges before the program itself, and few tools look there.",
    remediation:
      "Identify the library and who set the variable (service unit, shell profile, parent process).",
    mitre: ["T1574.006"],
  }),
  mk({
    id: "ioc.process.ld_env_duplicate",
    title: "Dynamic-linker variable set more than once in one environment",
    severity: "high",
    rationale:
      "An environment block can name a variable twice, and the readers disagree: glibc's dynamic loader uses the " +
      "last LD_* copy while getenv, the program itself and most tools (ps e, /proc parsers) see the first. " +
      "`LD_PRELOAD=` followed by `LD_PRELOAD=/x.so` preloads /x.so while looking empty. Shells and service " +
      "managers never write duplicates, so this is a deliberate construction: high when the copies differ, low " +
      "when they are identical." +
      " High: its only use is to load a library while showing an empty or harmless value.",
    remediation:
      "Read the whole block (tr '\\0' '\\n' < /proc/<pid>/environ), find the process that built it (its parent), " +
      "and judge the library the loader took (the last copy) and /proc/<pid>/maps.",
    mitre: ["T1574.006", "T1564"],
  }),
  mk({
    id: "ioc.process.ld_library_path",
    title: "Process runs with LD_LIBRARY_PATH",
    severity: "medium",
    rationale:
      "LD_LIBRARY_PATH makes the process load libraries from other directories first; some vendor launchers " +
      "set it legitimately, hence medium. High when a directory is in a temp, world-writable or home location or is " +
      "the current directory; with --ioc-env-trust, info when every directory is a root-owned system library directory.",
    remediation: "Check each directory for libraries shadowing system ones; find who set the variable.",
    mitre: ["T1574.006"],
  }),
  mk({
    id: "ioc.process.library_in_temp",
    title: "Process has code mapped from a temporary directory",
    severity: "high",
    rationale:
      "A shared object under a world-writable sticky directory (/tmp, /var/tmp, /dev/shm) is mapped executable in " +
      "the process: a library injected with LD_PRELOAD, dlopen or a ptrace injector stays mapped after the " +
      "environment is scrubbed. Installed software does not load code from there." +
      " High: code injected into a running process runs with its privileges, and packaged software never loads code from there.",
    remediation:
      "Save the library (cp /proc/<pid>/map_files/<range>), identify how it was loaded (environment, " +
      "/etc/ld.so.preload, the parent), and treat the process as compromised.",
    mitre: ["T1574.006", "T1055"],
  }),
  mk({
    id: "ioc.process.library_world_writable",
    title: "Process has code mapped from a file any user can replace",
    severity: "high",
    rationale:
      "The mapped shared object, or a directory on its path without the sticky bit, is world-writable: any local " +
      "user can replace the code this program loads next time it starts." +
      " High: any local account can put its code into this program, with the program's privileges, at its next start.",
    remediation:
      "Remove the world-write bit (chmod o-w) from the file and its directories; check its integrity.",
    mitre: ["T1574.006", "T1574.010"],
  }),
  mk({
    id: "ioc.process.library_user_writable",
    title: "Process has code mapped from a file a non-root user can replace",
    severity: "medium",
    rationale:
      "The mapped shared object, or a directory on its path, is owned or group-writable by an account other than " +
      "root: that account controls code in this process. High when the process runs as root. A library in the same " +
      "location as the program's own executable is judged with the executable.",
    remediation:
      "Give the library and its directories to root (chown root:root, chmod go-w); check the file.",
    mitre: ["T1574.006", "T1574.010"],
  }),
  mk({
    id: "ioc.process.library_in_home",
    title: "Process has code mapped from a home directory",
    severity: "low",
    rationale:
      "Users run their own builds and virtual environments, so this is low; high when a root process maps code " +
      "from a home that root does not own (that user controls code running as root). A library in the same home " +
      "as the program's own executable is judged with the executable.",
    remediation: "Confirm the library is expected for that program and user.",
    mitre: ["T1574.006"],
    confidence: "heuristic",
  }),
  mk({
    id: "ioc.process.library_deleted",
    title: "Process has code mapped from a deleted file",
    severity: "high",
    rationale:
      "An injected library is often deleted once loaded. High by default; critical when it was in a temp, world-" +
      "writable or home location; low when a root-owned file is back at the same system path (a package upgrade, " +
      "restart pending). On the live host deletion is judged by the mapped inode (the maps line's inode against " +
      "the path, then the link count through /proc/<pid>/map_files, which needs CAP_SYS_ADMIN), so a file merely " +
      "named 'x (deleted)' does not count; under --root, under --drop-priv and for files on remote mounts, by the " +
      "' (deleted)' suffix.",
    remediation:
      "Save the mapped image from /proc/<pid>/map_files/<range> before the process exits; after an upgrade, " +
      "restart the service.",
    mitre: ["T1055", "T1070.004"],
  }),
  mk({
    id: "ioc.process.memfd_code",
    title: "Process executes code mapped from memory (memfd)",
    severity: "high",
    rationale:
      "An executable mapping of a memfd is code with no file on disk: reflective loaders and in-memory droppers " +
      "use it. Data mappings of memfds (browsers, Wayland, PipeWire) are not counted; the .NET runtime's W^X " +
      "double mapping ('doublemapper' with libcoreclr mapped) is low." +
      " High: code without a file on disk escapes every file-based check, which is why in-memory loaders use it.",
    remediation:
      "Save the mapping from /proc/<pid>/map_files/<range> and identify how the process was started.",
    mitre: ["T1620", "T1055"],
  }),
  mk({
    id: "ioc.ld_so_preload.entries",
    title: "/etc/ld.so.preload loads libraries into every process",
    severity: "high",
    rationale:
      "Every dynamically linked program loads these libraries: stock systems leave the file absent or empty, " +
      "and rootkits (Azazel, Jynx, libprocesshider) use it. Critical when a library is in a temp, world-writable or " +
      "home location or not root-owned; with --ioc-env-trust, medium when all are root-owned system libraries." +
      " High: nothing stock writes the file, and every program on the host runs what it names.",
    remediation:
      "Identify each library and its package; remove unknown entries from a trusted shell (statically linked " +
      "busybox), since the preload hides itself from dynamically linked tools.",
    mitre: ["T1574.006"],
  }),
  mk({
    id: "ioc.process.kthread_masquerade",
    title: "User-space process disguised as a kernel thread",
    severity: "high",
    rationale:
      "Its name or argv[0] looks like a kernel thread ([kworker/0:1], kthreadd…), yet the kernel does not mark " +
      "it PF_KTHREAD: a disguise used by miners and backdoors to blend into `ps` output." +
      " High: a user process has no reason to pass as a kernel thread except to be overlooked.",
    remediation:
      "Inspect /proc/<pid>/exe, its parent and its network connections; kill it once the image is saved.",
    mitre: ["T1036.004"],
    confidence: "heuristic",
  }),
  mk({
    id: "ioc.process.miner",
    title: "Known cryptominer or malware process",
    severity: "high",
    rationale:
      "The program name is a known miner (high) or malware family (critical), matched as a whole word, or its " +
      "arguments name a stratum mining pool." +
      " High: a miner or malware family running is a compromise in progress, not a weakness.",
    remediation:
      "Isolate the host, save the binary and its configuration, then find the entry point (often an exposed " +
      "service or a weak credential).",
    mitre: ["T1496"],
    confidence: "heuristic",
  }),
  mk({
    id: "ioc.process.attack_tool",
    title: "Known offensive tool running",
    severity: "high",
    rationale:
      "The program name is a known post-exploitation, enumeration or tunnelling tool, matched as a whole word." +
      " High: these tools are not installed by any distribution, and a running one means someone is probing or moving through the host now.",
    remediation: "Confirm whether an authorised test is running; otherwise treat the host as compromised.",
    mitre: ["T1588.002"],
    confidence: "heuristic",
  }),
  mk({
    id: "ioc.process.reverse_shell",
    title: "Shell with its input and output on a network socket",
    severity: "critical",
    rationale:
      "A shell (or an interpreter running inline code) whose stdin is a TCP/UDP socket and whose stdout or " +
      "stderr is a socket is a reverse or bind shell; interactive shells use terminals, services use pipes or unix " +
      "sockets." +
      " Critical: it is an attacker's interactive shell on the host, running now.",
    remediation: "Record the remote address, save the process tree, and contain the host.",
    mitre: ["T1059.004", "T1071"],
  }),
  mk({
    id: "ioc.process.reverse_shell_relay",
    title: "Shell whose terminal or pipes are relayed to a network connection",
    severity: "critical",
    rationale:
      "A shell reading its commands from stdin on a pty, pipes or a socketpair whose other end is held by a " +
      "process with a connected TCP/UDP socket: `socat tcp:… exec:sh,pty`, `socat tcp:… exec:sh`, " +
      "`python -c 'pty.spawn(…)'` relays, `mkfifo f; sh -i < f | nc host port > f`. Both input and output must " +
      "reach the network (`curl … | sh` does not); `sh -c …` and `sh script` (CI agents, supervisors) are not " +
      "read from stdin; a pty held by a terminal server (sshd, dropbear, mosh-server, telnetd, ttyd, shellinaboxd, " +
      "from a program directory) is a login. A CI agent that feeds a shell its script over a pipe, or a CGI shell " +
      "script, has the same shape: the relay and the remote address tell them apart." +
      " Critical: it is an attacker's interactive shell on the host, running now.",
    remediation: "Record the relay's remote address, save the process tree, and contain the host.",
    mitre: ["T1059.004", "T1071"],
  }),
  mk({
    id: "ioc.process.socket_unlisted_netns",
    title: "Socket in a network namespace no process is in",
    severity: "high",
    rationale:
      "A TCP or UDP socket held by a process that no /proc/net table of any network namespace lists. A socket " +
      "stays in the namespace it was made in, and /proc shows a namespace's tables only through a process in " +
      "it; a process that makes a socket in a new namespace and then returns to its own (setns) holds a " +
      "connection or listener that ss, netstat and /proc/net do not show. It is read through the process's " +
      "descriptor (pidfd_getfd, nothing sent), with the namespace it is in. Only checked on the live host." +
      " High: no distribution service keeps sockets this way; it hides network traffic from the tools that list it." +
      " Low when the namespace is a named one (`ip netns`, a bind mount under /run/netns): `ip netns exec NAME ss`" +
      " lists it, so it is not hidden from an administrator.",
    remediation:
      "Record the local and remote addresses, save the process, and look for who created the namespace " +
      "(its other end, a veth or tunnel interface, leads to the traffic).",
    mitre: ["T1564", "T1090"],
  }),
  mk({
    id: "ioc.mount.hides_system_files",
    title: "A mount covers a system directory",
    severity: "high",
    rationale:
      "A filesystem mounted over a directory inside /etc, /usr, /bin, /lib, /root, /boot or the cron spools " +
      "hides the files underneath from every program in the mount namespace: a clean copy bound over /etc/cron.d " +
      "or a binary directory shows readers, this scan included, something other than what is on disk, while a " +
      "process started before the mount, or in another namespace, keeps using what it covers. Separate /usr, " +
      "/boot and /boot/efi filesystems and a container runtime's /etc/hosts, hostname and resolv.conf are not " +
      "reported. Read from the scan's own mount table." +
      " High: no distribution mounts over these directories; it takes root, and its purpose is to show a " +
      "different file tree.",
    remediation:
      "Record the mount (findmnt), then unmount it (`umount <path>`) and look at what it covered, or read the " +
      "underlying filesystem from another namespace or offline.",
    mitre: ["T1564", "T1036"],
  }),
  mk({
    id: "ioc.process.proc_overmounted",
    title: "Something is mounted over a process's /proc directory",
    severity: "critical",
    rationale:
      "A bind mount (or any mount) over /proc/<pid> keeps the pid in the /proc listing, but ps, top, lsof and " +
      "every other reader of /proc/<pid> then see the mounted directory — another process's, or an empty one — " +
      "instead of the process: its command line, executable, sockets and environment disappear from view, and " +
      "the hidden-process sweep finds the pid listed. Read from the scan's own mount table." +
      " Critical: nothing but hiding a process has a reason to cover its /proc directory, and doing it takes root.",
    remediation:
      "Note the pid and the mount, then look at the process from a namespace without the mount (nsenter into a " +
      "new mount namespace with a fresh procfs, or `umount /proc/<pid>` once evidence is kept); treat the host " +
      "as compromised.",
    mitre: ["T1564.001", "T1014"],
  }),
  mk({
    id: "ioc.scan.incomplete",
    title: "Some processes were not examined in full (scan budget)",
    severity: "medium",
    rationale:
      "The environment and memory map of each process are read within a scan-wide budget (256 MiB together, the " +
      "last 64 MiB in pieces of at most 256 KiB per read), and the per-process checks stop a quarter before the " +
      "scanner's time budget so that what was found is reported. Thousands of processes with megabytes of padded " +
      "environment (forked children share their parent's) spend either; an LD_PRELOAD, a mapped library or a " +
      "reverse shell in a process past a bound was not seen, and an intruder can cause this on purpose; what was " +
      "not examined is not reported as clean.",
    remediation:
      "Look at the processes named (who started them, and why they carry so much), or scan again with a longer " +
      "budget (--scanner-timeout) or limited to one container (--container-id).",
    mitre: ["T1564"],
  }),
  mk({
    id: "ioc.process.hidden",
    title: "Process hidden from the /proc listing",
    severity: "critical",
    rationale:
      "The pid answers to getpgid(2) and at /proc/<pid>, but the directory listing of /proc does not return it, " +
      "checked twice: a rootkit is filtering the listing. Every pid up to pid_max is swept within a budget (10 s, " +
      "150 ms with --fast-scan, the range in use first); meta.hidden_pid_sweep says what was covered. Only checked " +
      "on the live host." +
      " Critical: only a rootkit in the kernel or in every process's libc filters /proc, and it hides more than this process.",
    remediation:
      "Treat the host as compromised: collect memory and disk images from outside the running kernel.",
    mitre: ["T1014", "T1564.001"],
  }),
];
