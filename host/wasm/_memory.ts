// Copyright 2026 the wskemu authors. MIT license.
// Internal: the driver's linear memory as the host sees it — typed reads and
// writes, C strings, counted strings — and the layout table that tells the
// host every size and offset (it never hard-codes one).

/** The sizes and offsets the runtime exported, by name (`IRP.IoStatus.Status`, `SIZE(IRP)` as `IRP`). */
export type Layout = ReadonlyMap<string, number>;

/** Typed access to one fixed-size wasm memory (it never grows, so views stay valid). */
export class CMemory {
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly layout: Layout;

  constructor(memory: WebAssembly.Memory, layout: Layout) {
    this.u8 = new Uint8Array(memory.buffer);
    this.dv = new DataView(memory.buffer);
    this.layout = layout;
  }

  /** An offset or size from the layout table; a missing one is a host bug. */
  off(name: string): number {
    const value = this.layout.get(name);
    if (value === undefined) throw new Error(`wskemu: the driver's layout table has no ${name}`);
    return value;
  }

  u32(address: number): number {
    return this.dv.getUint32(address, true);
  }
  i32(address: number): number {
    return this.dv.getInt32(address, true);
  }
  u16(address: number): number {
    return this.dv.getUint16(address, true);
  }
  byte(address: number): number {
    return this.u8[address]!;
  }
  i64(address: number): bigint {
    return this.dv.getBigInt64(address, true);
  }
  setU32(address: number, value: number): void {
    this.dv.setUint32(address, value >>> 0, true);
  }
  setU16(address: number, value: number): void {
    this.dv.setUint16(address, value, true);
  }
  setByte(address: number, value: number): void {
    this.u8[address] = value;
  }
  setI64(address: number, value: bigint): void {
    this.dv.setBigInt64(address, value, true);
  }

  /** A view of `length` bytes at `address` (zero-copy; what wskemu's MDLs hold). */
  view(address: number, length: number): Uint8Array {
    return new Uint8Array(this.u8.buffer, address, length);
  }

  /** Whether [address, address + length) lies inside memory. */
  inside(address: number, length: number): boolean {
    return address >= 0 && length >= 0 && address + length <= this.u8.length;
  }

  /** A NUL-terminated 8-bit string (Latin-1). */
  cstr(address: number, max = 4096): string {
    if (address === 0) return "";
    let end = address;
    while (end < this.u8.length && end - address < max && this.u8[end] !== 0) end++;
    return latin1(this.u8.subarray(address, end));
  }

  /** A NUL-terminated (or `chars`-long) UTF-16 string. */
  wstr(address: number, chars = -1): string {
    if (address === 0) return "";
    let text = "";
    for (let i = 0; chars < 0 ? i < 65536 : i < chars; i++) {
      const c = this.u16(address + 2 * i);
      if (chars < 0 && c === 0) break;
      text += String.fromCharCode(c);
    }
    return text;
  }

  /** The text of a UNICODE_STRING at `address` (Length bytes of Buffer). */
  unicodeString(address: number): string {
    if (address === 0) return "";
    const length = this.u16(address + this.off("UNICODE_STRING.Length"));
    const buffer = this.u32(address + this.off("UNICODE_STRING.Buffer"));
    return this.wstr(buffer, length >> 1);
  }

  /** A UNICODE_STRING at `address` as wskemu's TS routines take it; null for NULL. */
  unicodeStringObject(
    address: number,
  ): { Length: number; MaximumLength: number; Buffer: string } | null {
    if (address === 0) return null;
    return {
      Length: this.u16(address + this.off("UNICODE_STRING.Length")),
      MaximumLength: this.u16(address + this.off("UNICODE_STRING.MaximumLength")),
      Buffer: this.unicodeString(address),
    };
  }

  /** The text of an ANSI_STRING (same layout as UNICODE_STRING, 8-bit buffer). */
  ansiString(address: number): string {
    if (address === 0) return "";
    const length = this.u16(address + this.off("UNICODE_STRING.Length"));
    const buffer = this.u32(address + this.off("UNICODE_STRING.Buffer"));
    return latin1(this.u8.subarray(buffer, buffer + length));
  }

  /** Writes UTF-16 `text` at `address` with a NUL if `chars` allows; returns the units written. */
  writeWide(address: number, text: string, chars: number): number {
    const n = Math.min(text.length, Math.max(0, chars - 1));
    for (let i = 0; i < n; i++) this.setU16(address + 2 * i, text.charCodeAt(i));
    if (chars > 0) this.setU16(address + 2 * n, 0);
    return n;
  }

  /** Writes Latin-1 `text` at `address` with a NUL if `chars` allows; returns the bytes written. */
  writeNarrow(address: number, text: string, chars: number): number {
    const n = Math.min(text.length, Math.max(0, chars - 1));
    for (let i = 0; i < n; i++) this.u8[address + i] = text.charCodeAt(i) & 0xff;
    if (chars > 0) this.u8[address + n] = 0;
    return n;
  }
}

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return text;
}

/** Reads the runtime's layout table (an array of {name, value}, NULL-terminated). */
export function readLayout(memory: WebAssembly.Memory, table: number): Layout {
  const dv = new DataView(memory.buffer);
  const u8 = new Uint8Array(memory.buffer);
  const layout = new Map<string, number>();
  for (let at = table;; at += 8) {
    const name = dv.getUint32(at, true);
    if (name === 0) break;
    let end = name;
    while (u8[end] !== 0) end++;
    layout.set(latin1(u8.subarray(name, end)), dv.getUint32(at + 4, true));
  }
  return layout;
}

/** What the host relies on; a driver built against other headers is refused at load. */
const LAYOUT_EXPECTATIONS: Readonly<Record<string, number>> = {
  version: 2, // 2: WSK_TRANSPORT
  PVOID: 4,
  WCHAR: 2,
  LONG: 4,
  SOCKADDR: 16,
  SOCKADDR_IN: 16,
  SOCKADDR_IN6: 28,
  SOCKADDR_STORAGE: 128,
};

/** Checks the layout table against what the host relies on; returns the problems. */
export function checkLayout(layout: Layout): string[] {
  const problems: string[] = [];
  for (const [name, expected] of Object.entries(LAYOUT_EXPECTATIONS)) {
    const actual = layout.get(name);
    if (actual !== expected) {
      problems.push(`${name} is ${actual ?? "missing"}, expected ${expected}`);
    }
  }
  return problems;
}
