// RFC 4506 (XDR) sections 4.14-4.15 — straight-line struct and union codecs, generated once per declaration.
//
// Why generate code: a struct that loops over its field codecs shares ONE loop (and one set of call sites) with
// every other struct, so V8 sees hundreds of shapes there and falls back to slow megamorphic calls and keyed
// stores; that costs 3-4x against a hand-written decoder. `new Function` gives each declaration its own function in
// which nested structs, unions, enums and primitives are written out in place (`r.readUnsignedInt()`, object
// literals of one fixed shape), as a hand-written decoder would be. Only property names (through JSON.stringify)
// and integer literals reach the generated source, never a value from the wire.
//
// The generated code keeps no error bookkeeping. When it fails, it rewinds (reader offset, or writer offset) and
// runs the interpreted codec from types.ts on the same input: that one is the reference and throws the precise
// XdrError with its field path. Where code generation is disabled (--disallow-code-generation-from-strings, a CSP)
// or after `setXdrCompilation(false)`, only the interpreted codecs exist.

/** How a codec is built, as far as the generator needs to know; primitives and composites attach one. */
export type Plan =
  | { readonly kind: 'primitive'; readonly inline: string; readonly size: number }
  | { readonly kind: 'void' }
  | { readonly kind: 'enum'; readonly table: Uint8Array }
  | { readonly kind: 'struct'; readonly keys: readonly string[]; readonly codecs: readonly PlannedType[] }
  | {
      readonly kind: 'union';
      readonly discriminant: PlannedType;
      readonly arms: ReadonlyMap<number, PlannedType>;
      readonly fallback: PlannedType | undefined;
    };

export interface PlannedType {
  readonly plan?: Plan;
  decode(reader: unknown): unknown;
  encode(writer: unknown, value: unknown): void;
  encodingLength(value: unknown): number;
}

export interface GeneratedCodec {
  encode(writer: unknown, value: unknown): void;
  decode(reader: unknown): unknown;
  encodingLength(value: unknown): number;
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

/** Nested structs and unions written out in place, at most; beyond it, nested types are called. */
const INLINE_BUDGET = 300;

class Generator {
  readonly deps: unknown[] = [];
  private names = 0;
  budget = INLINE_BUDGET;

  dep(value: unknown): string {
    let k = this.deps.indexOf(value);
    if (k < 0) k = this.deps.push(value) - 1;
    return `d${k}`;
  }

  temp(): string {
    return `t${this.names++}`;
  }

  /** A plan to write out in place, or undefined to call the codec. */
  private expand(codec: PlannedType): Plan | undefined {
    const plan = codec.plan;
    if (plan === undefined) return undefined;
    if (plan.kind === 'struct' || plan.kind === 'union') {
      if (this.budget <= 0 || !planIsCompilable(plan)) return undefined;
      this.budget--;
    }
    return plan;
  }

  /** Statements that decode `codec` from `r` into the (declared) variable `target`. */
  decode(codec: PlannedType, target: string, out: string[]): void {
    const plan = this.expand(codec);
    if (plan === undefined) {
      out.push(`${target} = ${this.dep(codec)}.decode(r);`);
      return;
    }
    switch (plan.kind) {
      case 'void':
        out.push(`${target} = undefined;`);
        return;
      case 'primitive':
        out.push(`${target} = r.read${plan.inline}();`);
        return;
      case 'enum': {
        const table = this.dep(plan.table);
        out.push(`${target} = r.readInt();`);
        out.push(`if (!(${target} >= 0 && ${target} < ${plan.table.length} && ${table}[${target}] === 1)) throw 0;`);
        return;
      }
      case 'struct': {
        const fields = plan.codecs.map(() => this.temp());
        out.push(`let ${fields.join(', ')};`);
        // Runs of fixed-size fields share one bounds check and read at constant offsets from one base.
        let run: number[] = [];
        const flush = () => {
          if (run.length === 0) return;
          const size = run.reduce((n, i) => n + fixedSize(plan.codecs[i]!)!, 0);
          const p = this.temp();
          out.push(`if (!(r.offset + ${size} <= r.end)) throw 0;`);
          out.push(`const ${p} = r.base + r.offset; r.offset += ${size};`);
          let at = 0;
          for (const i of run) {
            this.decodeFixed(plan.codecs[i]!, fields[i]!, p, at, out);
            at += fixedSize(plan.codecs[i]!)!;
          }
          run = [];
        };
        plan.codecs.forEach((field, i) => {
          if (fixedSize(field) !== undefined) run.push(i);
          else {
            flush();
            this.decode(field, fields[i]!, out);
          }
        });
        flush();
        out.push(`${target} = { ${plan.keys.map((k, i) => `${propertyName(k)}: ${fields[i]}`).join(', ')} };`);
        return;
      }
      case 'union': {
        const tag = this.temp();
        out.push(`let ${tag};`);
        this.decode(plan.discriminant, tag, out);
        out.push(`switch (${tag}) {`);
        for (const [value, arm] of plan.arms) {
          const armValue = this.temp();
          out.push(`case ${value}: { let ${armValue};`);
          this.decode(arm, armValue, out);
          out.push(`${target} = { tag: ${tag}, value: ${armValue} }; break; }`);
        }
        if (plan.fallback === undefined) out.push('default: throw 0;');
        else {
          const armValue = this.temp();
          out.push(`default: { let ${armValue};`);
          this.decode(plan.fallback, armValue, out);
          out.push(`${target} = { tag: ${tag}, value: ${armValue} }; }`);
        }
        out.push('}');
        return;
      }
    }
  }

  /** Statements that decode a fixed-size `codec` at `p + at` of the reader's DataView (bounds already checked). */
  decodeFixed(codec: PlannedType, target: string, p: string, at: number, out: string[]): void {
    const plan = codec.plan!;
    const where = `${p} + ${at}`;
    switch (plan.kind) {
      case 'void':
        out.push(`${target} = undefined;`);
        return;
      case 'primitive':
        if (plan.inline === 'Bool') {
          out.push(`${target} = data.getUint32(${where});`);
          out.push(`if (${target} > 1) throw 0;`);
          out.push(`${target} = ${target} === 1;`);
        } else out.push(`${target} = data.get${VIEW_GETTER[plan.inline]}(${where});`);
        return;
      case 'enum': {
        const table = this.dep(plan.table);
        out.push(`${target} = data.getInt32(${where});`);
        out.push(`if (!(${target} >= 0 && ${target} < ${plan.table.length} && ${table}[${target}] === 1)) throw 0;`);
        return;
      }
      case 'struct': {
        const fields = plan.codecs.map(() => this.temp());
        out.push(`let ${fields.join(', ')};`);
        let offset = at;
        plan.codecs.forEach((field, i) => {
          this.decodeFixed(field, fields[i]!, p, offset, out);
          offset += fixedSize(field)!;
        });
        out.push(`${target} = { ${plan.keys.map((k, i) => `${propertyName(k)}: ${fields[i]}`).join(', ')} };`);
        return;
      }
      case 'union':
        throw new Error('a union has no fixed size');
    }
  }

  /** Statements that encode the expression `value` (a variable or a property read) as `codec` into `w`. */
  encode(codec: PlannedType, value: string, out: string[]): void {
    const plan = this.expand(codec);
    if (plan === undefined) {
      out.push(`${this.dep(codec)}.encode(w, ${value});`);
      return;
    }
    switch (plan.kind) {
      case 'void':
        return;
      case 'primitive':
        out.push(`w.write${plan.inline}(${value});`);
        return;
      case 'enum': {
        const table = this.dep(plan.table);
        const v = this.temp();
        out.push(`const ${v} = ${value};`);
        out.push(
          `if (typeof ${v} !== 'number' || !(${v} >= 0 && ${v} < ${plan.table.length} && ${table}[${v}] === 1)) throw 0;`,
        );
        out.push(`w.writeInt(${v});`);
        return;
      }
      case 'struct': {
        const v = this.temp();
        out.push(`const ${v} = ${value};`);
        out.push(`if (typeof ${v} !== 'object' || ${v} === null) throw 0;`);
        // Runs of fixed-size fields: one ensure(), then writes at constant offsets from one base.
        let run: number[] = [];
        const flush = () => {
          if (run.length === 0) return;
          const size = run.reduce((n, i) => n + fixedSize(plan.codecs[i]!)!, 0);
          const q = this.temp();
          const view = this.temp();
          out.push(`w.ensure(${size});`);
          out.push(`const ${q} = w.base + w.offset, ${view} = w.view; w.offset += ${size};`);
          let at = 0;
          for (const i of run) {
            this.encodeFixed(plan.codecs[i]!, `${v}[${JSON.stringify(plan.keys[i])}]`, view, q, at, out);
            at += fixedSize(plan.codecs[i]!)!;
          }
          run = [];
        };
        plan.codecs.forEach((field, i) => {
          if (fixedSize(field) !== undefined) run.push(i);
          else {
            flush();
            this.encode(field, `${v}[${JSON.stringify(plan.keys[i])}]`, out);
          }
        });
        flush();
        return;
      }
      case 'union': {
        const v = this.temp();
        const tag = this.temp();
        out.push(`const ${v} = ${value};`);
        out.push(`if (typeof ${v} !== 'object' || ${v} === null) throw 0;`);
        out.push(`const ${tag} = ${v}.tag;`);
        out.push(`switch (${tag}) {`);
        for (const [armTag, arm] of plan.arms) {
          out.push(`case ${armTag}: {`);
          this.encode(plan.discriminant, tag, out);
          this.encode(arm, `${v}.value`, out);
          out.push('break; }');
        }
        if (plan.fallback === undefined) out.push('default: throw 0;');
        else {
          out.push('default: {');
          this.encode(plan.discriminant, tag, out);
          this.encode(plan.fallback, `${v}.value`, out);
          out.push('}');
        }
        out.push('}');
        return;
      }
    }
  }

  /**
   * Statements that check `value` and write it as the fixed-size `codec` at `q + at` of DataView `view` (room
   * already made). Anything unusual (a number for a hyper, say) throws 0 and leaves it to the interpreted codec.
   */
  encodeFixed(codec: PlannedType, value: string, view: string, q: string, at: number, out: string[]): void {
    const plan = codec.plan!;
    const where = `${q} + ${at}`;
    if (plan.kind === 'void') return;
    const v = this.temp();
    out.push(`const ${v} = ${value};`);
    switch (plan.kind) {
      case 'primitive': {
        const test = FIXED_TEST[plan.inline]!(v);
        out.push(`if (!(${test})) throw 0;`);
        if (plan.inline === 'Bool') out.push(`${view}.setUint32(${where}, ${v} ? 1 : 0);`);
        else out.push(`${view}.set${VIEW_GETTER[plan.inline]}(${where}, ${v});`);
        return;
      }
      case 'enum': {
        const table = this.dep(plan.table);
        out.push(
          `if (typeof ${v} !== 'number' || !(${v} >= 0 && ${v} < ${plan.table.length} && ${table}[${v}] === 1)) throw 0;`,
        );
        out.push(`${view}.setInt32(${where}, ${v});`);
        return;
      }
      case 'struct': {
        out.push(`if (typeof ${v} !== 'object' || ${v} === null) throw 0;`);
        let offset = at;
        plan.codecs.forEach((field, i) => {
          this.encodeFixed(field, `${v}[${JSON.stringify(plan.keys[i])}]`, view, q, offset, out);
          offset += fixedSize(field)!;
        });
        return;
      }
      case 'union':
        throw new Error('a union has no fixed size');
    }
  }

  /** Statements that add the encoded length of `value` to `n`. */
  length(codec: PlannedType, value: string, out: string[]): void {
    const plan = this.expand(codec);
    if (plan === undefined) {
      out.push(`n += ${this.dep(codec)}.encodingLength(${value});`);
      return;
    }
    switch (plan.kind) {
      case 'void':
        return;
      case 'primitive':
        out.push(`n += ${plan.size};`);
        return;
      case 'enum':
        out.push('n += 4;');
        return;
      case 'struct': {
        const v = this.temp();
        out.push(`const ${v} = ${value};`);
        plan.codecs.forEach((field, i) => {
          this.length(field, `${v}[${JSON.stringify(plan.keys[i])}]`, out);
        });
        return;
      }
      case 'union': {
        const v = this.temp();
        const tag = this.temp();
        out.push(`const ${v} = ${value};`);
        out.push(`const ${tag} = ${v}.tag;`);
        out.push(`switch (${tag}) {`);
        for (const [armTag, arm] of plan.arms) {
          out.push(`case ${armTag}: {`);
          this.length(plan.discriminant, tag, out);
          this.length(arm, `${v}.value`, out);
          out.push('break; }');
        }
        if (plan.fallback === undefined) out.push('default: throw 0;');
        else {
          out.push('default: {');
          this.length(plan.discriminant, tag, out);
          this.length(plan.fallback, `${v}.value`, out);
          out.push('}');
        }
        out.push('}');
        return;
      }
    }
  }
}

/** DataView getter for each inlinable primitive (bool is handled apart: it must be 0 or 1). */
const VIEW_GETTER: Record<string, string> = {
  Int: 'Int32',
  UnsignedInt: 'Uint32',
  Hyper: 'BigInt64',
  UnsignedHyper: 'BigUint64',
  Float: 'Float32',
  Double: 'Float64',
};

/** The value check, per primitive, that lets the generated code write it without the writer's own checks. */
const FIXED_TEST: Record<string, (v: string) => string> = {
  Int: (v) => `typeof ${v} === 'number' && (${v} | 0) === ${v}`,
  UnsignedInt: (v) => `typeof ${v} === 'number' && ${v} >>> 0 === ${v}`,
  Hyper: (v) => `typeof ${v} === 'bigint' && ${v} >= -0x8000000000000000n && ${v} <= 0x7fffffffffffffffn`,
  UnsignedHyper: (v) => `typeof ${v} === 'bigint' && ${v} >= 0n && ${v} <= 0xffffffffffffffffn`,
  Float: (v) => `typeof ${v} === 'number'`,
  Double: (v) => `typeof ${v} === 'number'`,
  Bool: (v) => `typeof ${v} === 'boolean'`,
};

/** Encoded size when every value of `codec` has the same size and the generator can read it in place. */
function fixedSize(codec: PlannedType, depth = 0): number | undefined {
  const plan = codec.plan;
  if (plan === undefined || depth > 8) return undefined;
  switch (plan.kind) {
    case 'void':
      return 0;
    case 'primitive':
      return plan.inline === 'Bool' || plan.inline in VIEW_GETTER ? plan.size : undefined;
    case 'enum':
      return 4;
    case 'struct': {
      let n = 0;
      for (const field of plan.codecs) {
        const size = fixedSize(field, depth + 1);
        if (size === undefined) return undefined;
        n += size;
      }
      return n;
    }
    case 'union':
      return undefined;
  }
}

function propertyName(name: string): string {
  // In an object literal, `"__proto__": x` would set the prototype; a computed key defines an own property.
  return name === '__proto__' ? '["__proto__"]' : JSON.stringify(name);
}

/**
 * Generated codec for a struct or union `plan`; `slow` is the interpreted codec with the same behaviour, run after
 * any failure of the generated code. Returns undefined when code generation is off or a union tag is not an integer.
 */
export function compile(plan: Plan, slow: GeneratedCodec): GeneratedCodec | undefined {
  if (!enabled) return undefined;
  if (!planIsCompilable(plan)) return undefined;
  const self: PlannedType = { plan, ...slow };
  const decodeLines: string[] = [];
  const encodeLines: string[] = [];
  const lengthLines: string[] = [];
  const generator = new Generator();
  generator.decode(self, 'out', decodeLines);
  generator.budget = INLINE_BUDGET;
  generator.encode(self, 'v', encodeLines);
  generator.budget = INLINE_BUDGET;
  generator.length(self, 'v', lengthLines);
  const deps = generator.deps;
  const source = `
const [${deps.map((_, k) => `d${k}`).join(', ')}] = deps;
return {
  decode(r) {
    const start = r.offset;
    // The reader's whole-buffer DataView (made on first use), fetched once: a getter call per field would not be
    // inlined in a function this long.
    const data = r.data;
    try {
      let out;
      ${decodeLines.join('\n      ')}
      return out;
    } catch {
      r.offset = start;
      return slow.decode(r);
    }
  },
  encode(w, v) {
    const start = w.offset;
    try {
      ${encodeLines.join('\n      ')}
    } catch {
      w.offset = start;
      slow.encode(w, v);
    }
  },
  encodingLength(v) {
    try {
      let n = 0;
      ${lengthLines.join('\n      ')}
      return n;
    } catch {
      return slow.encodingLength(v);
    }
  },
};`;
  return new Function('deps', 'slow', source)(deps, slow) as GeneratedCodec;
}

function planIsCompilable(plan: Plan): boolean {
  if (plan.kind !== 'union') return true;
  for (const tag of plan.arms.keys()) if (!Number.isSafeInteger(tag)) return false;
  return true;
}
