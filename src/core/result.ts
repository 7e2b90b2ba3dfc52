/** Errors as values: a Result type and the exit codes the CLI maps them to. */

/** Documented process exit codes. */
export const ExitCode = {
  /** Scan finished and no fail threshold was met. */
  Ok: 0,
  /** A `--fail-on` / `--fail-on-count` threshold was met. */
  Threshold: 1,
  /** Usage, configuration or input error. */
  Usage: 2,
  /** A rule file or rules directory could not be used. */
  Rules: 3,
  /** Requested self-hardening could not be applied in strict mode. */
  Hardening: 4,
  /** The report could not be written. */
  Output: 5,
} as const;

/** One of the documented exit codes. */
export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode];

/** An error a person can act on, with the exit code it maps to. */
export interface AppError {
  readonly exit: ExitCodeValue;
  readonly message: string;
}

/** Success or an AppError. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

/** Wraps a value as a successful Result. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Builds a failed Result. */
export function fail<T = never>(exit: ExitCodeValue, message: string): Result<T> {
  return { ok: false, error: { exit, message } };
}

/** Thrown only to unwind to the CLI boundary, which prints the message and exits with the code. */
export class AppFailure extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
    this.name = "AppFailure";
  }
}

/** Returns the value of a Result or throws an AppFailure to be caught at the CLI boundary. */
export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new AppFailure(r.error);
  return r.value;
}
