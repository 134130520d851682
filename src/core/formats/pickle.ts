/**
 * A Python pickle reader that never executes anything.
 *
 * Python's own unpickler runs the functions a pickle names (REDUCE calls them): a checkpoint from the
 * internet can run `os.system("…")` when loaded with torch.load. Here a pickle is only parsed: the
 * opcodes build plain data, a named global is a record { module, name }, and the few reconstructors
 * that checkpoints use (collections.OrderedDict, set, torch._utils._rebuild_tensor_v2, …) are applied
 * by code of ours, chosen from a Map of allowed globals — a call of anything else is refused with the
 * name and the byte where the pickle asks for it. Globals of modules that can only mean trouble (os,
 * subprocess, builtins' eval/exec, …) are refused as soon as they are named. Class instances (NEWOBJ
 * + BUILD, as pickled torch.nn modules are) become records { class, state }: creating them in Python
 * calls no constructor either, and here nothing is created at all.
 *
 * Why not the pickleparser package: it calls whatever function its resolver returns for REDUCE, calls
 * a __setstate__ found on the object, and copies dict state onto objects with Object.assign (a
 * "__proto__" key changes the object's prototype); it is safe only as far as every resolver and option
 * is right. This reader has no code path that calls something named by the file.
 *
 * Opcodes: protocols 0–5 (pickletools' table); out-of-band buffers and the extension registry are refused.
 */
import { FormatError, printableName } from './source';

export interface PickleGlobal { readonly kind: 'global'; readonly module: string; readonly name: string }
export interface PickleList { readonly kind: 'list'; readonly items: PickleValue[] }
export interface PickleTuple { readonly kind: 'tuple'; readonly items: readonly PickleValue[] }
export interface PickleDict { readonly kind: 'dict'; readonly entries: Map<string | number | boolean | null, PickleValue> }
export interface PickleBytes { readonly kind: 'bytes'; readonly bytes: Uint8Array }
/** an instance: class, constructor arguments (NEWOBJ) and the state BUILD gave it */
export interface PickleObject { readonly kind: 'object'; readonly cls: PickleGlobal; readonly args: readonly PickleValue[]; state?: PickleValue }
/** what the persistent_load hook made of a persistent id (PyTorch: a storage) */
export interface PicklePersistent { readonly kind: 'persistent'; readonly value: unknown }
/** the result of an allowed reconstructor (e.g. a tensor) */
export interface PickleBuilt { readonly kind: 'built'; readonly value: unknown }

export type PickleValue =
  | null | boolean | number | bigint | string
  | PickleGlobal | PickleList | PickleTuple | PickleDict | PickleBytes | PickleObject | PicklePersistent | PickleBuilt;

/**
 * An allowed reconstructor: turns the arguments of a REDUCE (the pickle's "call") into a value.
 * It is our code; the pickle only picks which one by name.
 */
export type Reconstructor = (args: readonly PickleValue[], at: string) => PickleValue;

export interface PickleOptions {
  /** what messages call the pickle ("model.pt, archive member m/data.pkl") */
  readonly where: string;
  /** "module name" → our reconstructor; REDUCE of any other global is refused */
  readonly reconstructors: ReadonlyMap<string, Reconstructor>;
  /** a persistent id (BINPERSID) → value; absent: persistent ids are refused */
  readonly persistentLoad?: (pid: PickleValue, at: string) => PickleValue;
  /** cap on items on the stack, in the memo and in one container (default 10⁷) */
  readonly maxItems?: number;
}

/** Modules no checkpoint needs a name from: naming one is refused at once. */
const REFUSED_MODULES = new Set([
  'os', 'posix', 'nt', 'subprocess', 'sys', 'shutil', 'socket', 'pty', 'runpy', 'webbrowser', 'code', 'codeop',
  'importlib', 'pickle', '_pickle', 'marshal', 'ctypes', 'multiprocessing', 'signal', 'commands', 'popen2',
  'asyncio', 'threading', '_thread', 'platform', 'tempfile', 'glob', 'pathlib', 'io', 'zipimport', 'types',
]);
/** The only names of builtins a checkpoint uses (data types, never callables that run code). */
const ALLOWED_BUILTINS = new Set(['set', 'frozenset', 'object', 'slice', 'bytearray', 'complex', 'range', 'list', 'dict', 'tuple', 'int', 'float', 'bool', 'str', 'bytes']);

export function globalName(g: PickleGlobal): string {
  return `${g.module}.${g.name}`;
}

function isGlobal(v: PickleValue): v is PickleGlobal {
  return typeof v === 'object' && v !== null && (v as { kind?: string }).kind === 'global';
}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/** Parse `bytes` (one pickle, up to STOP) into data. Throws FormatError for anything refused or malformed. */
export function parsePickle(bytes: Uint8Array, options: PickleOptions): PickleValue {
  const maxItems = options.maxItems ?? 10_000_000;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let opAt = 0;
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  const where = () => `${options.where}, byte ${opAt}`;
  const corrupt = (msg: string): never => { throw new FormatError('model-corrupt', `${where()}: ${msg}`); };
  const need = (n: number) => { if (pos + n > bytes.length) throw new FormatError('model-truncated', `${where()}: the pickle ends inside an opcode (needs ${n} more bytes)`); };
  const u8 = () => { need(1); return bytes[pos++]; };
  const u16 = () => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const i32 = () => { need(4); const v = view.getInt32(pos, true); pos += 4; return v; };
  const u32 = () => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const u64 = () => {
    need(8);
    const v = view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 2 ** 32;
    pos += 8;
    if (!Number.isSafeInteger(v)) corrupt(`a length of ${v} bytes`);
    return v;
  };
  const take = (n: number) => { need(n); const b = bytes.subarray(pos, pos + n); pos += n; return b; };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new FormatError('model-truncated', `${where()}: the pickle ends inside a text line`);
    const s = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const utf8 = (b: Uint8Array) => {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      return corrupt('a string that is not valid UTF-8');
    }
  };
  const push = (v: StackItem) => {
    if (stack.length >= maxItems) throw new FormatError('model-too-large', `${where()}: the pickle's stack grows past ${maxItems} items`);
    stack.push(v);
  };
  const pop = (): PickleValue => {
    if (stack.length === 0) corrupt('the opcode needs a value but the stack is empty');
    const v = stack.pop()!;
    if (v === MARK) corrupt('the opcode needs a value but found a mark');
    return v as PickleValue;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return corrupt('the opcode needs a value on the stack');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const k = stack.lastIndexOf(MARK);
    if (k < 0) corrupt('the opcode needs a mark but there is none');
    const items = stack.splice(k + 1) as PickleValue[];
    stack.pop();
    return items;
  };
  const memoPut = (key: number, v: PickleValue) => {
    if (!memo.has(key) && memo.size >= maxItems) throw new FormatError('model-too-large', `${where()}: the pickle's memo grows past ${maxItems} items`);
    memo.set(key, v);
  };
  const memoGet = (key: number): PickleValue => {
    if (!memo.has(key)) corrupt(`the memo has no entry ${key}`);
    return memo.get(key)!;
  };
  const nameGlobal = (module: string, name: string): PickleGlobal => {
    const base = module.split('.')[0];
    const builtins = module === 'builtins' || module === '__builtin__';
    if (REFUSED_MODULES.has(base) || (builtins && !ALLOWED_BUILTINS.has(name)) || module === '' || name === '') {
      throw new FormatError('model-refused', `${where()}: the pickle names ${printableName(module)}.${printableName(name)}, which Depth Lens refuses: pickles are parsed, never executed, and a checkpoint has no use for it (this file may be an attack)`);
    }
    return { kind: 'global', module, name };
  };
  const call = (callee: PickleValue, args: PickleValue[], how: string): PickleValue => {
    if (!isGlobal(callee)) return corrupt(`${how} of something that is not a named global`);
    const r = options.reconstructors.get(`${callee.module} ${callee.name}`);
    if (!r) {
      throw new FormatError('model-refused', `${where()}: the pickle calls ${printableName(globalName(callee))}, which Depth Lens refuses: pickles are parsed, never executed, and only the reconstructors of tensors, parameters and dictionaries are read`);
    }
    return r(args, where());
  };
  const setItem = (d: PickleValue, k: PickleValue, v: PickleValue) => {
    if (typeof d !== 'object' || d === null || (d as PickleDict).kind !== 'dict') corrupt('SETITEM on something that is not a dict');
    if (k !== null && typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'boolean') corrupt('a dict key that is not a string, number or bool');
    const dict = d as PickleDict;
    if (dict.entries.size >= maxItems) throw new FormatError('model-too-large', `${where()}: a dict grows past ${maxItems} items`);
    dict.entries.set(k as string | number | boolean | null, v);
  };
  const appendTo = (l: PickleValue, items: PickleValue[]) => {
    if (typeof l !== 'object' || l === null || (l as PickleList).kind !== 'list') corrupt('APPEND on something that is not a list');
    const list = (l as PickleList).items;
    if (list.length + items.length > maxItems) throw new FormatError('model-too-large', `${where()}: a list grows past ${maxItems} items`);
    for (const it of items) list.push(it);
  };

  for (;;) {
    opAt = pos;
    if (pos >= bytes.length) throw new FormatError('model-truncated', `${options.where}, byte ${pos}: the pickle ends before its STOP opcode (truncated)`);
    const op = bytes[pos++];
    switch (op) {
      case 0x80: { const proto = u8(); if (proto > 5) corrupt(`pickle protocol ${proto} (Depth Lens reads 0–5)`); break; } // PROTO
      case 0x95: u64(); break; // FRAME: a length hint
      case 0x2e: { // STOP
        const v = pop();
        return v;
      }
      case 0x28: push(MARK); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x49: { // INT (text; "01"/"00" are True/False in protocol 0)
        const s = line();
        if (s === '01' || s === '00') push(s === '01');
        else { const v = Number(s); if (!Number.isInteger(v)) corrupt(`INT "${printableName(s)}"`); push(v); }
        break;
      }
      case 0x4a: push(i32()); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x4c: { // LONG (text)
        const s = line().replace(/L$/, '');
        if (!/^-?\d+$/.test(s)) corrupt(`LONG "${printableName(s)}"`);
        push(smallest(BigInt(s)));
        break;
      }
      case 0x8a: push(smallest(twosComplement(take(u8())))); break; // LONG1
      case 0x8b: { const n = u32(); if (n > 1 << 20) corrupt(`a ${n}-byte integer`); push(smallest(twosComplement(take(n)))); break; } // LONG4
      case 0x46: { const s = line(); const v = Number(s); if (s.trim() === '' || Number.isNaN(v) && !/nan/i.test(s)) corrupt(`FLOAT "${printableName(s)}"`); push(v); break; } // FLOAT
      case 0x47: { need(8); push(view.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT (big-endian)
      case 0x53: push(pyStringLiteral(line(), corrupt)); break; // STRING
      case 0x54: push(latin1(take(i32Length(i32(), corrupt)))); break; // BINSTRING
      case 0x55: push(latin1(take(u8()))); break; // SHORT_BINSTRING
      case 0x56: push(rawUnicodeEscape(line())); break; // UNICODE
      case 0x58: push(utf8(take(u32()))); break; // BINUNICODE
      case 0x8c: push(utf8(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: push(utf8(take(u64()))); break; // BINUNICODE8
      case 0x42: push({ kind: 'bytes', bytes: take(u32()) }); break; // BINBYTES
      case 0x43: push({ kind: 'bytes', bytes: take(u8()) }); break; // SHORT_BINBYTES
      case 0x8e: case 0x96: push({ kind: 'bytes', bytes: take(u64()) }); break; // BINBYTES8, BYTEARRAY8
      case 0x29: push({ kind: 'tuple', items: [] }); break; // EMPTY_TUPLE
      case 0x74: push({ kind: 'tuple', items: popMark() }); break; // TUPLE
      case 0x85: { const a = pop(); push({ kind: 'tuple', items: [a] }); break; } // TUPLE1
      case 0x86: { const b = pop(), a = pop(); push({ kind: 'tuple', items: [a, b] }); break; } // TUPLE2
      case 0x87: { const c = pop(), b = pop(), a = pop(); push({ kind: 'tuple', items: [a, b, c] }); break; } // TUPLE3
      case 0x5d: push({ kind: 'list', items: [] }); break; // EMPTY_LIST
      case 0x6c: push({ kind: 'list', items: popMark() }); break; // LIST
      case 0x61: { const v = pop(); appendTo(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendTo(top(), items); break; } // APPENDS
      case 0x7d: push({ kind: 'dict', entries: new Map() }); break; // EMPTY_DICT
      case 0x64: { // DICT
        const items = popMark();
        if (items.length % 2) corrupt('DICT with an odd number of items');
        const d: PickleDict = { kind: 'dict', entries: new Map() };
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        push(d);
        break;
      }
      case 0x73: { const v = pop(), k = pop(); setItem(top(), k, v); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) corrupt('SETITEMS with an odd number of items');
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        break;
      }
      case 0x8f: push({ kind: 'list', items: [] }); break; // EMPTY_SET (a set is read as a list)
      case 0x90: { const items = popMark(); appendTo(top(), items); break; } // ADDITEMS
      case 0x91: push({ kind: 'list', items: popMark() }); break; // FROZENSET
      case 0x63: { const module = line(), name = line(); push(nameGlobal(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') corrupt('STACK_GLOBAL needs two strings');
        push(nameGlobal(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE: callable(*args) in Python; here one of our reconstructors or a refusal
        const args = pop(), callee = pop();
        if (typeof args !== 'object' || args === null || (args as PickleTuple).kind !== 'tuple') corrupt('REDUCE needs a tuple of arguments');
        push(call(callee, [...(args as PickleTuple).items], 'REDUCE'));
        break;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args) — a record, nothing is created
        const args = pop(), cls = pop();
        if (!isGlobal(cls)) corrupt('NEWOBJ of something that is not a named class');
        if (typeof args !== 'object' || args === null || (args as PickleTuple).kind !== 'tuple') corrupt('NEWOBJ needs a tuple of arguments');
        push({ kind: 'object', cls: cls as PickleGlobal, args: (args as PickleTuple).items });
        break;
      }
      case 0x92: { // NEWOBJ_EX
        pop();
        const args = pop(), cls = pop();
        if (!isGlobal(cls)) corrupt('NEWOBJ_EX of something that is not a named class');
        push({ kind: 'object', cls: cls as PickleGlobal, args: (args as PickleTuple).items ?? [] });
        break;
      }
      case 0x69: { // INST: calls the class in Python (protocol 0)
        const module = line(), name = line();
        const args = popMark();
        push(call(nameGlobal(module, name), args, 'INST'));
        break;
      }
      case 0x6f: { // OBJ: calls the class in Python (protocol 1)
        const items = popMark();
        const cls = items.shift();
        push(call(cls ?? null, items, 'OBJ'));
        break;
      }
      case 0x62: { // BUILD: obj.__setstate__(state) in Python; here the state is recorded on the record
        const state = pop();
        const obj = top();
        if (typeof obj === 'object' && obj !== null && (obj as PickleObject).kind === 'object') (obj as PickleObject).state = state;
        // a tensor's extra attributes (torch ≥ 2), an OrderedDict's _metadata: not needed here
        else if (typeof obj !== 'object' || obj === null || ((obj as PickleBuilt).kind !== 'built' && (obj as PickleDict).kind !== 'dict')) corrupt('BUILD on something that is not an object');
        break;
      }
      case 0x70: memoPut(Number(line()), top()); break; // PUT
      case 0x71: memoPut(u8(), top()); break; // BINPUT
      case 0x72: memoPut(u32(), top()); break; // LONG_BINPUT
      case 0x94: memoPut(memo.size, top()); break; // MEMOIZE
      case 0x67: push(memoGet(Number(line()))); break; // GET
      case 0x68: push(memoGet(u8())); break; // BINGET
      case 0x6a: push(memoGet(u32())); break; // LONG_BINGET
      case 0x50: case 0x51: { // PERSID, BINPERSID
        const pid = op === 0x50 ? line() : pop();
        if (!options.persistentLoad) corrupt('a persistent id, which this kind of file does not use');
        push(options.persistentLoad!(pid, where()));
        break;
      }
      case 0x82: case 0x83: case 0x84:
        throw new FormatError('model-refused', `${where()}: the pickle uses the copyreg extension registry (EXT opcodes), which Depth Lens refuses`);
      case 0x97: case 0x98:
        throw new FormatError('model-unsupported', `${where()}: the pickle refers to out-of-band buffers (protocol 5), which a saved file cannot carry`);
      default:
        corrupt(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

function i32Length(n: number, corrupt: (m: string) => never): number {
  if (n < 0) corrupt(`a negative length ${n}`);
  return n;
}

/** little-endian two's complement bytes → bigint */
function twosComplement(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b.length > 0 && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v;
}

/** a bigint as a number when that is exact */
function smallest(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** STRING's argument: a quoted Python 2 str literal; simple escapes only */
function pyStringLiteral(s: string, corrupt: (m: string) => never): string {
  const q = s[0];
  if ((q !== "'" && q !== '"') || s[s.length - 1] !== q || s.length < 2) corrupt('STRING without quotes');
  return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    return e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
  });
}

/** UNICODE's argument: raw-unicode-escape (\uXXXX and \UXXXXXXXX only) */
function rawUnicodeEscape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a: string | undefined, b: string | undefined) => String.fromCodePoint(parseInt(a ?? b!, 16)));
}

// ------------------------------------------------------------------------------------------------
// helpers for reconstructors and readers of the result

export function asTuple(v: PickleValue | undefined): readonly PickleValue[] | undefined {
  return typeof v === 'object' && v !== null && ((v as PickleTuple).kind === 'tuple' || (v as PickleList).kind === 'list') ? (v as PickleTuple).items : undefined;
}

export function asDict(v: PickleValue | undefined): Map<string | number | boolean | null, PickleValue> | undefined {
  return typeof v === 'object' && v !== null && (v as PickleDict).kind === 'dict' ? (v as PickleDict).entries : undefined;
}

export function asObject(v: PickleValue | undefined): PickleObject | undefined {
  return typeof v === 'object' && v !== null && (v as PickleObject).kind === 'object' ? (v as PickleObject) : undefined;
}

export function asBuilt(v: PickleValue | undefined): unknown {
  return typeof v === 'object' && v !== null && (v as PickleBuilt).kind === 'built' ? (v as PickleBuilt).value : undefined;
}

/** The reconstructors every pickle may use: dictionaries and sets (data, nothing else). */
export const DATA_RECONSTRUCTORS: ReadonlyMap<string, Reconstructor> = new Map<string, Reconstructor>([
  ['collections OrderedDict', (args, at) => {
    const d: PickleDict = { kind: 'dict', entries: new Map() };
    const items = asTuple(args[0]);
    if (args.length > 0 && args[0] !== null && !items) throw new FormatError('model-corrupt', `${at}: OrderedDict of something that is not a list of pairs`);
    for (const pair of items ?? []) {
      const kv = asTuple(pair);
      if (!kv || kv.length !== 2) throw new FormatError('model-corrupt', `${at}: OrderedDict item that is not a pair`);
      const k = kv[0];
      if (k !== null && typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'boolean') throw new FormatError('model-corrupt', `${at}: a dict key that is not a string or number`);
      d.entries.set(k, kv[1]);
    }
    return d;
  }],
  ['__builtin__ set', (args) => ({ kind: 'list', items: [...(asTuple(args[0]) ?? [])] })],
  ['builtins set', (args) => ({ kind: 'list', items: [...(asTuple(args[0]) ?? [])] })],
  ['__builtin__ frozenset', (args) => ({ kind: 'list', items: [...(asTuple(args[0]) ?? [])] })],
  ['builtins frozenset', (args) => ({ kind: 'list', items: [...(asTuple(args[0]) ?? [])] })],
  // protocol 0/1 instances: copyreg._reconstructor(cls, base, state) → a record like NEWOBJ's
  ['copy_reg _reconstructor', (args, at) => reconstructorRecord(args, at)],
  ['copyreg _reconstructor', (args, at) => reconstructorRecord(args, at)],
]);

function reconstructorRecord(args: readonly PickleValue[], at: string): PickleValue {
  const cls = args[0];
  if (!isGlobal(cls)) throw new FormatError('model-corrupt', `${at}: _reconstructor of something that is not a named class`);
  return { kind: 'object', cls, args: [], state: args[2] ?? undefined };
}
