/**
 * A typed loader over libbpf through Deno FFI, in layers like cilium/ebpf: the library (`Libbpf`: dlopen,
 * version, log capture), an object (`BpfObject`: open from a file or from bytes, load, programs, maps),
 * programs and their links (`BpfProgram`, `BpfLink`), and a ring-buffer reader (`RingBuffer`).
 *
 * Every resource is `Disposable`; dispose in the reverse order of creation (links and ring buffers before
 * their object, objects before the library). `using` does that for you:
 *
 * ```ts
 * using lib = Libbpf.open();
 * using obj = lib.openMem(bytes, "process_exec");
 * obj.load();
 * using link = obj.program("exec_btf")!.attach();
 * using rb = RingBuffer.create(lib, obj.mapFd("events"), (data) => console.log(data.byteLength));
 * rb.poll(100);
 * ```
 *
 * Failures throw `LibbpfError`, which carries the stage, the errno and libbpf's own log lines (the verifier
 * log included). Interpreting them for a person (privileges, BTF, tracefs) is the caller's job: this
 * module only reports facts. libbpf's print callback is installed on open and removed before it is freed.
 */
import { errno, vsnprintf } from "./libc.ts";

const symbols = {
  libbpf_major_version: { parameters: [], result: "u32", optional: true },
  libbpf_minor_version: { parameters: [], result: "u32", optional: true },
  libbpf_set_strict_mode: { parameters: ["i32"], result: "i32", optional: true },
  libbpf_set_print: { parameters: ["function"], result: "function" },
  libbpf_strerror: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  bpf_object__open_file: { parameters: ["buffer", "pointer"], result: "pointer" },
  bpf_object__open_mem: { parameters: ["buffer", "usize", "buffer"], result: "pointer" },
  bpf_object__load: { parameters: ["pointer"], result: "i32" },
  bpf_object__close: { parameters: ["pointer"], result: "void" },
  bpf_object__next_program: { parameters: ["pointer", "pointer"], result: "pointer", optional: true },
  bpf_object__find_map_fd_by_name: { parameters: ["pointer", "buffer"], result: "i32" },
  bpf_program__name: { parameters: ["pointer"], result: "pointer" },
  bpf_program__section_name: { parameters: ["pointer"], result: "pointer" },
  bpf_program__set_autoload: { parameters: ["pointer", "bool"], result: "i32" },
  bpf_program__attach: { parameters: ["pointer"], result: "pointer" },
  bpf_link__destroy: { parameters: ["pointer"], result: "i32" },
  bpf_map_lookup_elem: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  bpf_map_update_elem: { parameters: ["i32", "buffer", "buffer", "u64"], result: "i32" },
  ring_buffer__new: { parameters: ["i32", "function", "pointer", "pointer"], result: "pointer" },
  ring_buffer__poll: { parameters: ["pointer", "i32"], result: "i32" },
  ring_buffer__consume: { parameters: ["pointer"], result: "i32" },
  ring_buffer__free: { parameters: ["pointer"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

type Lib = Deno.DynamicLibrary<typeof symbols>;

const SAMPLE_FN = { parameters: ["pointer", "pointer", "usize"], result: "i32" } as const;
const PRINT_FN = { parameters: ["i32", "pointer", "pointer"], result: "i32" } as const;

/** The oldest libbpf this module supports (bpf_object__next_program and the version functions). */
export const MIN_LIBBPF = { major: 0, minor: 6 } as const;

/** errno values used by callers. */
export const EPERM = 1;
/** No such file or directory. */
export const ENOENT = 2;
/** libbpf's "no kernel BTF" (load returns -ESRCH). */
export const ESRCH = 3;
/** Interrupted system call: ring_buffer__poll returns -EINTR when a signal arrives. */
export const EINTR = 4;
/** Permission denied. */
export const EACCES = 13;
/** Invalid argument. */
export const EINVAL = 22;
/** First of libbpf's private error codes (LIBBPF_ERRNO__LIBELF); they run up to 4007 and beyond. */
export const LIBBPF_ERRNO_BASE = 4000;

/** Where a libbpf operation failed. */
export type LibbpfStage = "dlopen" | "version" | "open" | "load" | "attach" | "map" | "ringbuf";

/** One line of libbpf's log, with its level (0 warn, 1 info, 2 debug). */
export interface LogLine {
  level: number;
  text: string;
}

/** A failed libbpf call: the stage, the positive errno (libbpf codes ≥ 4000 included) and libbpf's log. */
export class LibbpfError extends Error {
  constructor(
    readonly stage: LibbpfStage,
    readonly code: number,
    /** libbpf_strerror's text for `code` (libc's for plain errno values, libbpf's own for 4000+). */
    readonly detail: string,
    /** libbpf's warn and info lines printed during the failing call (the verifier log is one multi-line entry). */
    readonly log: LogLine[],
    message: string,
  ) {
    super(message);
    this.name = "LibbpfError";
  }
}

const LOG_CAP = 200;
const enc = new TextEncoder();

function cstr(s: string): Uint8Array {
  return enc.encode(s + "\0");
}

function readCString(p: Deno.PointerValue): string {
  return p === null ? "" : Deno.UnsafePointerView.getCString(p);
}

/** An opened libbpf: its path, version, and the log of its calls. Dispose it last. */
export class Libbpf implements Disposable {
  readonly #lib: Lib;
  readonly #print: Deno.UnsafeCallback<typeof PRINT_FN>;
  #log: LogLine[] = [];
  #keepDebug = false;
  #closed = false;

  private constructor(readonly path: string, lib: Lib, readonly version: { major: number; minor: number }) {
    this.#lib = lib;
    this.#print = new Deno.UnsafeCallback(
      PRINT_FN,
      (level, fmt, va) => {
        try {
          if (level > 1 && !this.#keepDebug) return 0;
          const text = vsnprintf(fmt, va).replace(/\n+$/, "");
          if (this.#log.length >= LOG_CAP) this.#log.shift();
          this.#log.push({ level, text });
        } catch {
          // The log is best effort; a failure to format one line must not break the libbpf call in progress.
        }
        return 0;
      },
    );
    lib.symbols.libbpf_set_print(this.#print.pointer);
  }

  /**
   * Loads libbpf from `path` (see findLibbpf in src/host/capabilities.ts), checks its version, puts it in
   * strict mode when it is a 0.x release, and installs the log capture. Throws LibbpfError (stage "dlopen"
   * or "version").
   */
  static open(path: string): Libbpf {
    let lib: Lib;
    try {
      lib = Deno.dlopen(path, symbols);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new LibbpfError("dlopen", ENOENT, msg, [], `cannot load ${path}: ${msg}`);
    }
    const s = lib.symbols;
    if (!s.libbpf_major_version || !s.libbpf_minor_version || !s.bpf_object__next_program) {
      lib.close();
      throw new LibbpfError(
        "version",
        EINVAL,
        "too old",
        [],
        `${path} is older than libbpf ${MIN_LIBBPF.major}.${MIN_LIBBPF.minor}`,
      );
    }
    const version = { major: s.libbpf_major_version(), minor: s.libbpf_minor_version() };
    if (version.major === 0 && version.minor < MIN_LIBBPF.minor) {
      lib.close();
      throw new LibbpfError(
        "version",
        EINVAL,
        "too old",
        [],
        `${path} is libbpf ${version.major}.${version.minor}; ${MIN_LIBBPF.major}.${MIN_LIBBPF.minor} or newer is needed`,
      );
    }
    // 0.x: return NULL + errno instead of error pointers, as 1.x always does (LIBBPF_STRICT_ALL).
    if (version.major === 0) s.libbpf_set_strict_mode?.(~0);
    return new Libbpf(path, lib, version);
  }

  /** The raw symbols, for the other classes of this module. */
  get symbols(): Lib["symbols"] {
    return this.#lib.symbols;
  }

  /** Keeps debug-level lines in the log too (off by default: a normal load prints ~80 of them). */
  set keepDebug(on: boolean) {
    this.#keepDebug = on;
  }

  /** Returns and clears the log lines captured since the last call. */
  takeLog(): LogLine[] {
    const out = this.#log;
    this.#log = [];
    return out;
  }

  /** libbpf_strerror: libc's text for errno values, libbpf's own for its 4000+ codes. */
  strerror(code: number): string {
    const buf = new Uint8Array(256);
    this.#lib.symbols.libbpf_strerror(code, buf, BigInt(buf.length));
    const end = buf.indexOf(0);
    return new TextDecoder().decode(buf.subarray(0, end < 0 ? buf.length : end));
  }

  /** Builds a LibbpfError for a failure with positive errno `code`, taking the captured log with it. */
  error(stage: LibbpfStage, code: number, what: string): LibbpfError {
    const detail = this.strerror(code);
    return new LibbpfError(stage, code, detail, this.takeLog(), `${what}: ${detail} (errno ${code})`);
  }

  /** Opens a BPF object file. libbpf reads it natively. Throws LibbpfError (stage "open"). */
  openFile(path: string): BpfObject {
    this.takeLog();
    const p = this.#lib.symbols.bpf_object__open_file(cstr(path), null);
    if (p === null) throw this.error("open", errno() || EINVAL, `cannot open BPF object ${path}`);
    return new BpfObject(this, p, path, undefined);
  }

  /**
   * Opens a BPF object from bytes (an object embedded in the executable). `name` is the object's name in
   * libbpf's messages. The bytes are kept alive as long as the object. Throws LibbpfError (stage "open").
   */
  openMem(bytes: Uint8Array, name: string): BpfObject {
    this.takeLog();
    const nameBytes = cstr(name);
    // struct bpf_object_open_opts { size_t sz; const char *object_name; ... }: a 16-byte prefix is valid.
    const opts = new Uint8Array(16);
    const view = new DataView(opts.buffer);
    view.setBigUint64(0, 16n, true);
    view.setBigUint64(8, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(nameBytes))), true);
    const p = this.#lib.symbols.bpf_object__open_mem(bytes, BigInt(bytes.length), opts);
    if (p === null) throw this.error("open", errno() || EINVAL, `cannot open BPF object ${name}`);
    return new BpfObject(this, p, name, [bytes, nameBytes]);
  }

  /** Removes the log callback, then frees it and unloads nothing else (libbpf stays mapped). Idempotent. */
  [Symbol.dispose](): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lib.symbols.libbpf_set_print(null);
    this.#print.close();
    this.#lib.close();
  }
}

/** An opened (and, after `load`, loaded) BPF object. */
export class BpfObject implements Disposable {
  #ptr: Deno.PointerValue;
  #loaded = false;

  /** Use Libbpf.openFile / openMem. `keep` holds buffers libbpf may point into. */
  constructor(
    readonly lib: Libbpf,
    ptr: Deno.PointerObject,
    readonly name: string,
    readonly keep: unknown,
  ) {
    this.#ptr = ptr;
  }

  #live(): Deno.PointerObject {
    if (this.#ptr === null) throw new Error(`BPF object ${this.name} is closed`);
    return this.#ptr;
  }

  /** Every program of the object, in ELF order. */
  programs(): BpfProgram[] {
    const out: BpfProgram[] = [];
    const next = this.lib.symbols.bpf_object__next_program!;
    let p = next(this.#live(), null);
    while (p !== null) {
      out.push(new BpfProgram(this, p));
      p = next(this.#live(), p);
    }
    return out;
  }

  /** The program with this function name, or undefined. */
  program(name: string): BpfProgram | undefined {
    return this.programs().find((p) => p.name === name);
  }

  /** Loads every program still marked for autoload (verifier, CO-RE relocations). Throws LibbpfError (stage "load"). */
  load(): void {
    this.lib.takeLog();
    const rc = this.lib.symbols.bpf_object__load(this.#live());
    if (rc < 0) throw this.lib.error("load", -rc, `cannot load BPF object ${this.name}`);
    this.#loaded = true;
  }

  /** True after a successful load. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** The file descriptor of a map, after load. Throws LibbpfError (stage "map") when there is no such map. */
  mapFd(name: string): number {
    const fd = this.lib.symbols.bpf_object__find_map_fd_by_name(this.#live(), cstr(name));
    if (fd < 0) throw this.lib.error("map", -fd, `BPF object ${this.name} has no map ${name}`);
    return fd;
  }

  /** Closes the object (programs unloaded, maps freed once no link holds them). Idempotent. */
  [Symbol.dispose](): void {
    if (this.#ptr === null) return;
    this.lib.symbols.bpf_object__close(this.#ptr);
    this.#ptr = null;
  }
}

/** One program of an object. */
export class BpfProgram {
  /** The C function name. */
  readonly name: string;
  /** The ELF section, which says how libbpf attaches it ("tp_btf/sched_process_exec"). */
  readonly section: string;

  constructor(readonly object: BpfObject, readonly ptr: Deno.PointerObject) {
    const s = object.lib.symbols;
    this.name = readCString(s.bpf_program__name(ptr));
    this.section = readCString(s.bpf_program__section_name(ptr));
  }

  /** Before load: whether `load` loads this program. Throws LibbpfError (stage "load") after load. */
  setAutoload(on: boolean): void {
    const rc = this.object.lib.symbols.bpf_program__set_autoload(this.ptr, on);
    if (rc < 0) throw this.object.lib.error("load", -rc, `cannot change autoload of ${this.name}`);
  }

  /** Attaches by section name. Throws LibbpfError (stage "attach") with libbpf's reason. */
  attach(): BpfLink {
    const lib = this.object.lib;
    lib.takeLog();
    const p = lib.symbols.bpf_program__attach(this.ptr);
    if (p === null) {
      throw lib.error("attach", errno() || EINVAL, `cannot attach ${this.name} (${this.section})`);
    }
    return new BpfLink(lib, p, this.name);
  }
}

/** An attached program. Destroying it detaches the program. */
export class BpfLink implements Disposable {
  #ptr: Deno.PointerValue;

  constructor(readonly lib: Libbpf, ptr: Deno.PointerObject, readonly program: string) {
    this.#ptr = ptr;
  }

  /** Detaches (bpf_link__destroy). Idempotent. */
  [Symbol.dispose](): void {
    if (this.#ptr === null) return;
    this.lib.symbols.bpf_link__destroy(this.#ptr);
    this.#ptr = null;
  }
}

/** Reads `value.length` bytes of the element at `key` of a map. Throws LibbpfError (stage "map"). */
export function mapLookup(lib: Libbpf, fd: number, key: Uint8Array, value: Uint8Array): void {
  if (lib.symbols.bpf_map_lookup_elem(fd, key, value) !== 0) {
    throw lib.error("map", errno() || EINVAL, `cannot read map fd ${fd}`);
  }
}

/** Writes the element at `key` of a map (BPF_ANY). Throws LibbpfError (stage "map"). */
export function mapUpdate(lib: Libbpf, fd: number, key: Uint8Array, value: Uint8Array): void {
  if (lib.symbols.bpf_map_update_elem(fd, key, value, 0n) !== 0) {
    throw lib.error("map", errno() || EINVAL, `cannot write map fd ${fd}`);
  }
}

/**
 * Receives one ring-buffer record. `data` views the ring's memory and is valid only during the call: copy
 * what you keep. An exception is caught, counted in `RingBuffer.callbackErrors` (first one kept in
 * `firstCallbackError`) and processing continues — Deno would otherwise swallow it silently.
 */
export type SampleHandler = (data: Uint8Array) => void;

/**
 * A reader of a BPF_MAP_TYPE_RINGBUF map. `poll` runs synchronously on the calling thread and calls the
 * handler for each record before it returns. A signal delivered during `poll` makes it return -EINTR.
 */
export class RingBuffer implements Disposable {
  #ptr: Deno.PointerValue;
  readonly #cb: Deno.UnsafeCallback<typeof SAMPLE_FN>;
  /** Exceptions thrown by the handler. */
  callbackErrors = 0;
  /** The first such exception. */
  firstCallbackError: unknown = undefined;

  private constructor(
    readonly lib: Libbpf,
    cb: Deno.UnsafeCallback<typeof SAMPLE_FN>,
  ) {
    this.#cb = cb;
    this.#ptr = null;
  }

  /** Creates a reader over the ring-buffer map `mapFd`. Throws LibbpfError (stage "ringbuf"); frees the callback then. */
  static create(lib: Libbpf, mapFd: number, handler: SampleHandler): RingBuffer {
    // deno-lint-ignore prefer-const
    let rb: RingBuffer;
    const cb = new Deno.UnsafeCallback(
      SAMPLE_FN,
      (_ctx, data, size) => {
        try {
          if (data === null) return 0;
          const n = Number(size);
          handler(new Uint8Array(new Deno.UnsafePointerView(data).getArrayBuffer(n)));
        } catch (e) {
          rb.callbackErrors++;
          if (rb.firstCallbackError === undefined) rb.firstCallbackError = e;
        }
        return 0;
      },
    );
    rb = new RingBuffer(lib, cb);
    lib.takeLog();
    const p = lib.symbols.ring_buffer__new(mapFd, cb.pointer, null, null);
    if (p === null) {
      const err = lib.error("ringbuf", errno() || EINVAL, "cannot create the ring buffer reader");
      cb.close();
      throw err;
    }
    rb.#ptr = p;
    return rb;
  }

  /** Waits up to `timeoutMs` for records and handles them. Returns the count handled, or a negative errno. */
  poll(timeoutMs: number): number {
    if (this.#ptr === null) throw new Error("ring buffer is closed");
    return this.lib.symbols.ring_buffer__poll(this.#ptr, timeoutMs);
  }

  /** Handles every record already in the ring without waiting. Returns the count handled, or a negative errno. */
  consume(): number {
    if (this.#ptr === null) throw new Error("ring buffer is closed");
    return this.lib.symbols.ring_buffer__consume(this.#ptr);
  }

  /** Frees the reader, then its callback. Idempotent. */
  [Symbol.dispose](): void {
    if (this.#ptr === null) return;
    this.lib.symbols.ring_buffer__free(this.#ptr);
    this.#ptr = null;
    this.#cb.close();
  }
}
