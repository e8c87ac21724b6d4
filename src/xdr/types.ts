// RFC 4506 (XDR) sections 4.12-4.19 and 6 — typed declarations of XDR data types.
//
// Why combinators and not a generator from `.x` text: the protocol layers need a few dozen types, each declared
// once next to the code that uses it, with TypeScript inferring the value type from the declaration. A combinator
// is a plain object with `encode`, `decode` and `encodingLength`. Structs and unions are compiled once, at
// declaration, into straight-line functions (compile.ts says why and when it falls back to the interpreted
// versions below); a hot type can still be replaced by a hand-written trio with the same interface.

import { compile, type Plan, type PlannedType } from './compile.js';
import { XdrError } from './errors.js';
import type { XdrReader } from './reader.js';
import { paddedLength, type XdrWriter } from './writer.js';

/** The codec trio every XDR type has. */
export interface XdrType<T> {
  /** Human name used in error paths and diagnostics. */
  readonly name: string;
  encode(writer: XdrWriter, value: T): void;
  decode(reader: XdrReader): T;
  /** Exact number of bytes `encode` writes for `value`. */
  encodingLength(value: T): number;
  /**
   * Fewest bytes any value of this type takes on the wire (0 for void). Arrays use it to refuse an impossible
   * count before they loop; a hand-written trio without it counts as 4.
   */
  readonly minSize?: number;
}

/** Any codec, whatever its value type (generic constraints need `any` here: XdrType is invariant in T). */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type AnyXdrType = XdrType<any>;

export type XdrValue<C> = C extends XdrType<infer T> ? T : never;

function type<T>(
  name: string,
  encode: (w: XdrWriter, v: T) => void,
  decode: (r: XdrReader) => T,
  encodingLength: (v: T) => number,
  minSize = 4,
): XdrType<T> {
  return { name, encode, decode, encodingLength, minSize };
}

/**
 * A primitive that generated struct/union code calls straight on the reader/writer (`read${inline}`,
 * `write${inline}`), with a fixed encoded size.
 */
function primitive<T>(
  name: string,
  inline: string,
  size: number,
  encode: (w: XdrWriter, v: T) => void,
  decode: (r: XdrReader) => T,
): XdrType<T> {
  const plan: Plan = { kind: 'primitive', inline, size };
  return { name, encode, decode, encodingLength: () => size, minSize: size, ...{ plan } };
}

const four = () => 4;

export const int: XdrType<number> = primitive(
  'int',
  'Int',
  4,
  (w, v) => w.writeInt(v),
  (r) => r.readInt(),
);
export const uint: XdrType<number> = primitive(
  'unsigned int',
  'UnsignedInt',
  4,
  (w, v) => w.writeUnsignedInt(v),
  (r) => r.readUnsignedInt(),
);
export const bool: XdrType<boolean> = primitive(
  'bool',
  'Bool',
  4,
  (w, v) => w.writeBool(v),
  (r) => r.readBool(),
);
export const hyper: XdrType<bigint> = primitive<bigint>(
  'hyper',
  'Hyper',
  8,
  (w, v) => w.writeHyper(v),
  (r) => r.readHyper(),
);
export const uhyper: XdrType<bigint> = primitive<bigint>(
  'unsigned hyper',
  'UnsignedHyper',
  8,
  (w, v) => w.writeUnsignedHyper(v),
  (r) => r.readUnsignedHyper(),
);
export const float: XdrType<number> = primitive(
  'float',
  'Float',
  4,
  (w, v) => w.writeFloat(v),
  (r) => r.readFloat(),
);
export const double: XdrType<number> = primitive(
  'double',
  'Double',
  8,
  (w, v) => w.writeDouble(v),
  (r) => r.readDouble(),
);
export const quadruple: XdrType<Uint8Array> = type(
  'quadruple',
  (w, v) => w.writeQuadruple(v),
  (r) => r.readQuadruple(),
  () => 16,
  16,
);
export const xdrVoid: XdrType<undefined> = {
  ...type<undefined>(
    'void',
    () => {},
    () => undefined,
    () => 0,
    0,
  ),
  ...{ plan: { kind: 'void' } as Plan },
};

/** `opaque[n]` — decoded bytes alias the input. */
export function fixedOpaque(length: number): XdrType<Uint8Array> {
  return type(
    `opaque[${length}]`,
    (w, v) => w.writeFixedOpaque(v, length),
    (r) => r.readFixedOpaque(length),
    () => paddedLength(length),
    paddedLength(length),
  );
}

/** `opaque<max>` — decoded bytes alias the input. */
export function opaque(max = 0xffffffff): XdrType<Uint8Array> {
  return type(
    max === 0xffffffff ? 'opaque<>' : `opaque<${max}>`,
    (w, v) => w.writeVariableOpaque(v, max),
    (r) => r.readVariableOpaque(max),
    (v) => 4 + paddedLength(v.length),
  );
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * `string<max>` as a JavaScript string (UTF-8 on the wire; max counts bytes). By default invalid UTF-8 decodes to
 * U+FFFD, which is lossy: such a string may not re-encode to the same bytes or even within `max` (each U+FFFD is
 * three bytes). Pass `strictUtf8` to refuse it (BAD_STRING), or use `stringBytes` to keep the exact bytes.
 */
export function string(max = 0xffffffff, strictUtf8 = false): XdrType<string> {
  return type(
    max === 0xffffffff ? 'string<>' : `string<${max}>`,
    (w, v) => w.writeString(v, max),
    (r) => r.readString(max, strictUtf8),
    (v) => 4 + paddedLength(utf8Length(v)),
  );
}

/** `string<max>` kept as raw bytes (aliasing the input on decode). */
export function stringBytes(max = 0xffffffff): XdrType<Uint8Array> {
  return type(
    max === 0xffffffff ? 'string<>' : `string<${max}>`,
    (w, v) => w.writeStringBytes(v, max),
    (r) => r.readStringBytes(max),
    (v) => 4 + paddedLength(v.length),
  );
}

/** Lower bound of an element's encoded size, used to refuse impossible counts before looping. */
function minSize(element: AnyXdrType): number {
  return element.minSize ?? 4;
}

/** `T[n]`. */
export function fixedArray<T>(element: XdrType<T>, count: number): XdrType<T[]> {
  const min = minSize(element);
  return type(
    `${element.name}[${count}]`,
    (w, v) => w.writeFixedArray(v, count, element.encode),
    (r) => r.readFixedArray(count, element.decode, min),
    (v) => sumLengths(element, v),
    count * min,
  );
}

/** `T<max>`. */
export function array<T>(element: XdrType<T>, max = 0xffffffff): XdrType<T[]> {
  const min = minSize(element);
  return type(
    `${element.name}<${max === 0xffffffff ? '' : max}>`,
    (w, v) => w.writeVariableArray(v, max, element.encode),
    (r) => r.readVariableArray(max, element.decode, min),
    (v) => 4 + sumLengths(element, v),
  );
}

function sumLengths<T>(element: XdrType<T>, values: readonly T[]): number {
  let n = 0;
  for (const v of values) n += element.encodingLength(v);
  return n;
}

/** `*T` (optional-data): undefined when absent. */
export function optional<T>(element: XdrType<T>): XdrType<T | undefined> {
  return type(
    `*${element.name}`,
    (w, v) => w.writeOptional(v, element.encode),
    (r) => r.readOptional(element.decode),
    (v) => (v === undefined || v === null ? 4 : 4 + element.encodingLength(v)),
  );
}

/**
 * A linked list declared the RFC way (`struct entry { ...; entry *next; }`), decoded ITERATIVELY with a cap on the
 * number of entries: the peer never chooses our stack depth. Encoded as optional-data chain, returned as an array.
 */
export function linkedList<T>(element: XdrType<T>, maxEntries: number): XdrType<T[]> {
  return type(
    `${element.name} list`,
    (w, values) => {
      if (!Array.isArray(values)) throw new XdrError('BAD_VALUE', 'list needs an array');
      if (values.length > maxEntries) {
        throw new XdrError('LIMIT_EXCEEDED', `list of ${values.length} exceeds ${maxEntries} entries`);
      }
      const start = w.offset;
      for (let i = 0; i < values.length; i++) {
        w.writeBool(true);
        try {
          element.encode(w, values[i] as T);
        } catch (error) {
          w.offset = start;
          if (error instanceof XdrError) throw error.within(`[${i}]`);
          throw error;
        }
      }
      w.writeBool(false);
    },
    (r) => {
      const out: T[] = [];
      while (r.readBool()) {
        if (out.length >= maxEntries) {
          throw new XdrError('LIMIT_EXCEEDED', `list has more than ${maxEntries} entries`);
        }
        try {
          out.push(element.decode(r));
        } catch (error) {
          if (error instanceof XdrError) throw error.within(`[${out.length}]`);
          throw error;
        }
      }
      return out;
    },
    (values) => 4 + values.length * 4 + sumLengths(element, values),
  );
}

// ---- enums

export interface XdrEnum<E extends Record<string, number>> extends XdrType<E[keyof E]> {
  /** name -> value */
  readonly values: E;
  /** value -> name (the RFC spelling) */
  nameOf(value: number): string | undefined;
  readonly allowed: ReadonlySet<number>;
}

/** A declared enum: decode rejects undeclared values (BAD_ENUM), and the table works both ways. */
export function enumeration<const E extends Record<string, number>>(name: string, values: E): XdrEnum<E> {
  const allowed = new Set<number>(Object.values(values));
  const names = new Map<number, string>();
  for (const [key, value] of Object.entries(values)) if (!names.has(value)) names.set(value, key);
  // Small non-negative enums (nearly all of them) are checked with a byte table: cheaper than Set.has per decode.
  const small = [...allowed].every((v) => Number.isInteger(v) && v >= 0 && v < 1024);
  const table = new Uint8Array(small ? Math.max(0, ...allowed) + 1 : 0);
  for (const v of allowed) if (small) table[v] = 1;
  const size = table.length;
  const declared = small ? (v: number) => v >= 0 && v < size && table[v] === 1 : (v: number) => allowed.has(v);
  const plan: Plan | undefined = small ? { kind: 'enum', table } : undefined;
  return {
    ...{ plan },
    name,
    values,
    allowed,
    nameOf: (value) => names.get(value),
    encode: (w, v) => {
      if (typeof v !== 'number') throw new XdrError('BAD_VALUE', `enum ${name} needs a number`).inType(name);
      if (!declared(v)) throw new XdrError('BAD_ENUM', `enum value ${v} is not declared`).inType(name);
      w.writeInt(v);
    },
    decode: (r) => {
      let value: number;
      try {
        value = r.readInt();
      } catch (error) {
        if (error instanceof XdrError) throw error.inType(name);
        throw error;
      }
      if (declared(value)) return value as E[keyof E];
      throw new XdrError('BAD_ENUM', `enum value ${value} is not declared`).inType(name);
    },
    encodingLength: four,
    minSize: 4,
  };
}

/** A two-way name table for constants that travel as plain ints (status codes where unknown values must survive). */
export function nameTable<const E extends Record<string, number>>(values: E): (value: number) => string | undefined {
  const names = new Map<number, string>();
  for (const [key, value] of Object.entries(values)) if (!names.has(value)) names.set(value, key);
  return (value) => names.get(value);
}

// ---- structs

type FieldList = readonly (readonly [string, AnyXdrType])[];
type StructValue<F extends FieldList> = { -readonly [K in F[number] as K[0]]: XdrValue<K[1]> };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * `struct name { ... }` from an ordered list of `[field, type]` pairs. The value type is inferred. Errors carry
 * the path `name.field` (and deeper field paths from nested types: `name.field[3].x`).
 */
export function struct<const F extends FieldList>(name: string, fields: F): XdrType<StructValue<F>> {
  const keys = fields.map((f) => f[0]);
  const codecs = fields.map((f) => f[1]);
  const count = fields.length;
  const fail = (error: unknown, i: number): unknown =>
    error instanceof XdrError ? (i < count ? error.within(keys[i]!) : error).inType(name) : error;
  const badValue = (value: unknown) =>
    new XdrError('BAD_VALUE', `struct ${name} needs an object, got ${value === null ? 'null' : typeof value}`);
  const min = codecs.reduce((n, c) => n + minSize(c), 0);
  const interpreted: XdrType<StructValue<F>> = {
    name,
    encode(w, value) {
      const start = w.offset;
      let i = 0;
      try {
        if (!isObject(value)) throw badValue(value);
        for (; i < count; i++) codecs[i]!.encode(w, (value as Record<string, unknown>)[keys[i]!]);
      } catch (error) {
        w.offset = start;
        throw fail(error, isObject(value) ? i : count);
      }
    },
    decode(r) {
      const out: Record<string, unknown> = {};
      let i = 0;
      try {
        for (; i < count; i++) out[keys[i]!] = codecs[i]!.decode(r);
      } catch (error) {
        throw fail(error, i);
      }
      return out as StructValue<F>;
    },
    encodingLength(value) {
      let n = 0;
      for (let i = 0; i < count; i++) n += codecs[i]!.encodingLength((value as Record<string, unknown>)[keys[i]!]);
      return n;
    },
    minSize: min,
  };
  const plan: Plan = { kind: 'struct', keys, codecs: codecs as PlannedType[] };
  const compiled = compile(plan, interpreted as PlannedType);
  return { ...interpreted, ...compiled, ...{ plan } } as XdrType<StructValue<F>>;
}

// ---- discriminated unions

export type UnionValue<A extends Record<number, AnyXdrType>, D> =
  | { [K in keyof A]: { readonly tag: K; readonly value: XdrValue<A[K]> } }[keyof A]
  | (D extends XdrType<infer T> ? { readonly tag: number; readonly value: T } : never);

/**
 * `union switch (discriminant) { case ...: ...; default: ... }`. Values are `{ tag, value }`. A tag without an arm
 * and no default is BAD_DISCRIMINANT on encode, decode and encodingLength. Errors carry the union's name, then the
 * arm's own path (`reply_body.accepted_reply.verf`).
 */
export function union<const A extends Record<number, AnyXdrType>, D extends AnyXdrType | undefined = undefined>(
  name: string,
  discriminant: XdrType<number>,
  arms: A,
  defaultArm?: D,
): XdrType<UnionValue<A, D>> {
  const table = new Map<number, AnyXdrType>();
  for (const [key, codec] of Object.entries(arms)) table.set(Number(key), codec as AnyXdrType);
  const fallback = defaultArm as AnyXdrType | undefined;
  const armFor = (tag: number): AnyXdrType => {
    const arm = table.get(tag) ?? fallback;
    if (arm === undefined) throw noArm(tag);
    return arm;
  };
  let least = Number.POSITIVE_INFINITY;
  for (const arm of table.values()) least = Math.min(least, minSize(arm));
  if (fallback !== undefined) least = Math.min(least, minSize(fallback));
  const min = minSize(discriminant) + (least === Number.POSITIVE_INFINITY ? 0 : least);
  const fail = (error: unknown): unknown => (error instanceof XdrError ? error.inType(name) : error);
  const badValue = (v: unknown) =>
    new XdrError('BAD_VALUE', `union ${name} needs { tag, value }, got ${v === null ? 'null' : typeof v}`);
  const noArm = (tag: unknown) => new XdrError('BAD_DISCRIMINANT', `no arm for discriminant ${String(tag)}`);
  const interpreted: XdrType<UnionValue<A, D>> = {
    name,
    encode(w, v) {
      const start = w.offset;
      try {
        if (!isObject(v)) throw badValue(v);
        const arm = armFor(v.tag as number);
        discriminant.encode(w, v.tag as number);
        arm.encode(w, v.value);
      } catch (error) {
        w.offset = start;
        throw fail(error);
      }
    },
    decode(r) {
      try {
        const tag = discriminant.decode(r);
        return { tag, value: armFor(tag).decode(r) } as UnionValue<A, D>;
      } catch (error) {
        throw fail(error);
      }
    },
    encodingLength(v) {
      try {
        return discriminant.encodingLength(v.tag as number) + armFor(v.tag as number).encodingLength(v.value);
      } catch (error) {
        throw fail(error);
      }
    },
    minSize: min,
  };
  const plan: Plan = {
    kind: 'union',
    discriminant: discriminant as PlannedType,
    arms: table as Map<number, PlannedType>,
    fallback: fallback as PlannedType | undefined,
  };
  const compiled = compile(plan, interpreted as PlannedType);
  return { ...interpreted, ...compiled, ...{ plan } } as XdrType<UnionValue<A, D>>;
}

/** Encode one value into fresh bytes. */
export function encodeToBytes<T>(codec: XdrType<T>, value: T, writer: XdrWriter): Uint8Array {
  writer.reset();
  codec.encode(writer, value);
  return writer.finish();
}
