/** The outcome of pure code that can meet expected bad input: a value, or an error saying why. */
export type Result<T, E = string> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** Wraps a value as a successful Result. */
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });

/** Wraps an error as a failed Result. */
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
