/**
 * A JSON-compatible value: what a Kubernetes object is once built in code. Object keys whose value
 * is `undefined` are left out of its JSON (and YAML) form.
 */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };
