// Copyright 2026 the wskemu authors. MIT license.
// Internal: printf formatting for DbgPrint, DbgPrintEx, KdPrint, the WPP
// stand-in and the RtlString*Printf family. wasm32 passes C varargs as a
// pointer to an argument block (each argument aligned to its size), so the
// host walks that block in linear memory.
import { formatNtStatus, hex32 } from "../../irp/ntstatus.ts";
import type { CMemory } from "./_memory.ts";

/** Walks a C argument block. */
class Args {
  constructor(private readonly mem: CMemory, private at: number) {}
  private align(n: number): void {
    this.at = (this.at + n - 1) & ~(n - 1);
  }
  int(): number {
    this.align(4);
    const v = this.mem.i32(this.at);
    this.at += 4;
    return v;
  }
  long64(): bigint {
    this.align(8);
    const v = this.mem.i64(this.at);
    this.at += 8;
    return v;
  }
  double(): number {
    this.align(8);
    const v = this.mem.dv.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
}

const SPEC =
  /%(?:!([A-Za-z0-9_]+)!|([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?(hh|h|ll|l|I64|I32|I|z|w|L|j|t)?([diuxXoscCSpZaAeEfgGn%]))/g;

function pad(text: string, flags: string, width: number): string {
  if (text.length >= width) return text;
  if (flags.includes("-")) return text.padEnd(width);
  if (flags.includes("0") && /^[-+]?[0-9a-fA-F]/.test(text)) {
    const sign = /^[-+]/.test(text) ? text[0] : "";
    return sign + text.slice(sign.length).padStart(width - sign.length, "0");
  }
  return text.padStart(width);
}

/** A WPP `%!NAME!` extension; `null` when it takes no argument and is handled by the caller. */
function wppExtension(name: string, args: Args, context: FormatContext): string {
  switch (name) {
    case "STATUS":
    case "NTSTATUS":
      return formatNtStatus(args.int());
    case "HRESULT":
    case "WINERROR":
      return hex32(args.int());
    case "FUNC":
      return context.function ?? "";
    case "FILE":
      return (context.site ?? "").replace(/:\d+$/, "");
    case "LINE":
      return (context.site ?? "").replace(/^.*:/, "");
    case "bool":
      return args.int() ? "TRUE" : "FALSE";
    default:
      return `%!${name}!`;
  }
}

/** Where a formatted message came from, for WPP's %!FUNC!, %!FILE!, %!LINE!. */
export interface FormatContext {
  function?: string;
  site?: string;
}

/**
 * Formats `format` with the arguments at `argsAddress`, as the Windows CRT
 * does for the kernel's printf family: %d %i %u %x %X %o %c %s %p %ws %ls %S
 * %wZ %Z with flags, width, precision and h/l/ll/I64/z sizes, and %!STATUS!.
 */
export function formatC(
  mem: CMemory,
  format: string,
  argsAddress: number,
  context: FormatContext = {},
): string {
  const args = new Args(mem, argsAddress);
  return format.replace(SPEC, (whole, wpp, flags = "", widthSpec, precSpec, size = "", conv) => {
    if (wpp) return wppExtension(wpp, args, context);
    if (conv === "%") return "%";
    const width = widthSpec === "*" ? args.int() : widthSpec ? Number(widthSpec) : 0;
    const precision = precSpec === "*"
      ? args.int()
      : precSpec !== undefined
      ? Number(precSpec)
      : -1;
    const wide64 = size === "ll" || size === "I64" || size === "j";
    let text: string;
    switch (conv) {
      case "d":
      case "i": {
        const v = wide64
          ? args.long64()
          : BigInt(size === "h" ? (args.int() << 16) >> 16 : args.int());
        text = v.toString();
        if (flags.includes("+") && v >= 0n) text = "+" + text;
        else if (flags.includes(" ") && v >= 0n) text = " " + text;
        if (precision >= 0) text = text.replace(/\d+/, (d) => d.padStart(precision, "0"));
        break;
      }
      case "u":
      case "x":
      case "X":
      case "o": {
        let v = wide64 ? BigInt.asUintN(64, args.long64()) : BigInt(args.int() >>> 0);
        if (size === "h") v &= 0xffffn;
        if (size === "hh") v &= 0xffn;
        const radix = conv === "u" ? 10 : conv === "o" ? 8 : 16;
        text = v.toString(radix);
        if (conv === "X") text = text.toUpperCase();
        if (precision >= 0) text = text.padStart(precision, "0");
        if (flags.includes("#") && v !== 0n && radix === 16) {
          text = (conv === "X" ? "0X" : "0x") + text;
        }
        break;
      }
      case "p":
        text = (args.int() >>> 0).toString(16).toUpperCase().padStart(8, "0");
        break;
      case "c":
      case "C":
        text = String.fromCharCode(
          args.int() & (size === "w" || size === "l" || conv === "C" ? 0xffff : 0xff),
        );
        break;
      case "s":
      case "S": {
        const p = args.int() >>> 0;
        const wide = size === "w" || size === "l" || (conv === "S" && size !== "h");
        text = p === 0 ? "(null)" : wide ? mem.wstr(p) : mem.cstr(p);
        if (precision >= 0) text = text.slice(0, precision);
        break;
      }
      case "Z": {
        const p = args.int() >>> 0;
        text = p === 0 ? "(null)" : size === "w" ? mem.unicodeString(p) : mem.ansiString(p);
        break;
      }
      case "e":
      case "E":
      case "f":
      case "g":
      case "G":
      case "a":
      case "A": {
        const v = args.double();
        const digits = precision >= 0 ? precision : 6;
        text = conv === "f"
          ? v.toFixed(digits)
          : conv === "e" || conv === "E"
          ? v.toExponential(digits)
          : String(v);
        if (conv === "E" || conv === "G") text = text.toUpperCase();
        break;
      }
      case "n":
        args.int();
        text = "";
        break;
      default:
        text = whole;
    }
    return pad(text, flags, width);
  });
}
