/**
 * The readonly view of a type inferred from a schema: what a reader gets is not to be changed, and
 * writers that build it from readonly parts (`readonly string[]`) must still type-check.
 */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;
