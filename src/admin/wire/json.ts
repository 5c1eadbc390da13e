/**
 * How a server value travels: `Json<T>` is the shape the client parses from `JSON.stringify(value)` — a Date
 * becomes its ISO string, arrays and objects keep their shape, and a store column typed with its select, insert
 * and update types (`__select__`) travels as what a select returns. The admin routes use it to check at compile
 * time that what they send has every field the wire types (this folder) promise the console.
 */
export type Json<T> = T extends Date
  ? string
  : T extends { readonly __select__: infer S }
    ? Json<S>
    : T extends readonly (infer U)[]
      ? Json<U>[]
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

/**
 * Returns the answer unchanged; it compiles only when the answer's JSON form is assignable to the wire type W:
 * `return sends<ClaimDetail>()(await claims.get(id))`. A field the console reads that the server stops sending
 * (or sends with another type) is a type error in the route, not a blank cell in the browser.
 */
export function sends<W>() {
  return <T>(answer: T & (Json<T> extends W ? unknown : never)): T => answer;
}
