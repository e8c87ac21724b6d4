// RFC 4506 (XDR) sections 4.14-4.15 — straight-line struct and union codecs, generated once per declaration.
//
// Why generate code: a struct that loops over its field codecs shares ONE loop (and one set of call sites) with
// every other struct, so V8 sees hundreds of shapes there and falls back to slow megamorphic calls and keyed
// stores; that costs 3-4x against a hand-written decoder. `new Function` gives each declaration its own little
// function: field reads become direct `reader.readUnsignedInt()` calls and the result is an object literal of
// one fixed shape. Only property names (through JSON.stringify) and literal integers reach the generated source, never
// a value from the wire. Where code generation is disabled (--disallow-code-generation-from-strings, a CSP), or by
// `setXdrCompilation(false)`, the interpreted versions in types.ts run instead, with identical behaviour.

import type { XdrError } from './errors.js';

/** What the generator needs to know about a codec; primitives carry `inline` ('UnsignedInt' etc.) and `fixedSize`. */
export interface CompilableType {
  readonly name: string;
  readonly inline?: string;
  readonly fixedSize?: number;
  readonly isVoid?: boolean;
}

const available = (() => {
  try {
    return new Function('return 1')() === 1;
  } catch {
    return false;
  }
})();
let enabled = available;

/**
 * Turn generated struct/union codecs on or off for declarations made AFTER the call (tests use it to run both
 * paths). Returns the previous setting. Has no effect where code generation is unavailable.
 */
export function setXdrCompilation(on: boolean): boolean {
  const previous = enabled;
  enabled = on && available;
  return previous;
}

export function compilationEnabled(): boolean {
  return enabled;
}

function key(name: string): string {
  return name === '__proto__' ? `["__proto__"]` : JSON.stringify(name);
}

function read(codec: CompilableType, i: number, prefix: string): string {
  return codec.isVoid ? 'undefined' : codec.inline ? `r.read${codec.inline}()` : `${prefix}${i}.decode(r)`;
}

function write(codec: CompilableType, i: number, prefix: string, value: string): string {
  if (codec.isVoid) return '';
  return codec.inline ? `w.write${codec.inline}(${value});` : `${prefix}${i}.encode(w, ${value});`;
}

function length(codec: CompilableType, i: number, prefix: string, value: string): string {
  return codec.fixedSize !== undefined ? String(codec.fixedSize) : `${prefix}${i}.encodingLength(${value})`;
}

export interface GeneratedCodec {
  encode(writer: unknown, value: unknown): void;
  decode(reader: unknown): unknown;
  encodingLength(value: unknown): number;
}

/**
 * A struct codec. `fail(error, i)` decorates an error thrown at field `i` (i === count: not at a field).
 * Returns undefined when generation is off.
 */
export function compileStruct(
  keys: readonly string[],
  codecs: readonly CompilableType[],
  fail: (error: unknown, i: number) => unknown,
  badValue: (value: unknown) => XdrError,
): GeneratedCodec | undefined {
  if (!enabled) return undefined;
  const n = codecs.length;
  const decodeLines: string[] = [];
  const encodeLines: string[] = [];
  const lengthTerms: string[] = ['0'];
  for (let i = 0; i < n; i++) {
    const c = codecs[i]!;
    const field = `v[${JSON.stringify(keys[i])}]`;
    decodeLines.push(`i = ${i}; const f${i} = ${read(c, i, 'c')};`);
    encodeLines.push(`i = ${i}; ${write(c, i, 'c', field)}`);
    lengthTerms.push(length(c, i, 'c', field));
  }
  const fields = keys.map((k, i) => `${key(k)}: f${i}`).join(', ');
  const source = `
const [${codecs.map((_, i) => `c${i}`).join(', ')}] = codecs;
return {
  decode(r) {
    let i = 0;
    try {
      ${decodeLines.join('\n      ')}
      return { ${fields} };
    } catch (error) { throw fail(error, i); }
  },
  encode(w, v) {
    const start = w.offset;
    let i = ${n};
    try {
      if (typeof v !== 'object' || v === null) throw badValue(v);
      ${encodeLines.join('\n      ')}
    } catch (error) { w.offset = start; throw fail(error, i); }
  },
  encodingLength(v) { return ${lengthTerms.join(' + ')}; },
};`;
  return new Function('codecs', 'fail', 'badValue', source)(codecs, fail, badValue) as GeneratedCodec;
}

/**
 * A union codec: `arms` maps each declared discriminant to its arm. `fail` decorates any error with the union's
 * name; `noArm(tag)` builds BAD_DISCRIMINANT. Returns undefined when generation is off or a tag is not an integer.
 */
export function compileUnion(
  discriminant: CompilableType,
  arms: ReadonlyMap<number, CompilableType>,
  defaultArm: CompilableType | undefined,
  fail: (error: unknown) => unknown,
  noArm: (tag: unknown) => XdrError,
  badValue: (value: unknown) => XdrError,
): GeneratedCodec | undefined {
  if (!enabled) return undefined;
  const tags = [...arms.keys()];
  if (!tags.every((t) => Number.isSafeInteger(t))) return undefined;
  const all = [...arms.values()];
  const decodeCases: string[] = [];
  const encodeCases: string[] = [];
  const lengthCases: string[] = [];
  const discriminantLength = length(discriminant, 0, 'd', 'tag');
  const writeTag = write(discriminant, 0, 'd', 'tag');
  tags.forEach((tag, i) => {
    const arm = all[i]!;
    decodeCases.push(`case ${tag}: return { tag, value: ${read(arm, i, 'a')} };`);
    encodeCases.push(`case ${tag}: ${writeTag} ${write(arm, i, 'a', 'v.value')} return;`);
    lengthCases.push(`case ${tag}: return ${discriminantLength} + ${length(arm, i, 'a', 'v.value')};`);
  });
  const fallbackDecode = defaultArm
    ? `return { tag, value: ${read(defaultArm, 0, 'fallback')} };`
    : 'throw noArm(tag);';
  const fallbackEncode = defaultArm
    ? `${writeTag} ${write(defaultArm, 0, 'fallback', 'v.value')} return;`
    : 'throw noArm(tag);';
  const fallbackLength = defaultArm
    ? `return ${discriminantLength} + ${length(defaultArm, 0, 'fallback', 'v.value')};`
    : 'throw noArm(tag);';
  const source = `
const [${all.map((_, i) => `a${i}`).join(', ')}] = arms;
const d0 = discriminant, fallback0 = defaultArm;
return {
  decode(r) {
    try {
      const tag = ${read(discriminant, 0, 'd')};
      switch (tag) {
        ${decodeCases.join('\n        ')}
        default: ${fallbackDecode}
      }
    } catch (error) { throw fail(error); }
  },
  encode(w, v) {
    const start = w.offset;
    try {
      if (typeof v !== 'object' || v === null) throw badValue(v);
      const tag = v.tag;
      switch (tag) {
        ${encodeCases.join('\n        ')}
        default: ${fallbackEncode}
      }
    } catch (error) { w.offset = start; throw fail(error); }
  },
  encodingLength(v) {
    try {
      const tag = v.tag;
      switch (tag) {
        ${lengthCases.join('\n        ')}
        default: ${fallbackLength}
      }
    } catch (error) { throw fail(error); }
  },
};`;
  return new Function('arms', 'discriminant', 'defaultArm', 'fail', 'noArm', 'badValue', source)(
    all,
    discriminant,
    defaultArm,
    fail,
    noArm,
    badValue,
  ) as GeneratedCodec;
}
