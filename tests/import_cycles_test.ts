// Copyright 2026 the wskemu authors. MIT license.
// No module of the library imports, at run time, one that imports it back:
// a cycle makes load order matter and bindings undefined while it loads.
// (Type-only imports vanish at run time and are not counted.)
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIRECTORIES = ["irp", "wsk", "transport", "testing"];

/** Relative imports of `file` that survive type erasure. */
function runtimeImports(file: string): string[] {
  const text = Deno.readTextFileSync(file);
  const found: string[] = [];
  const statement = /^(?:import|export)\s+(type\s+)?([^;]*?)\s*from\s+"(\.[^"]+)"/gms;
  for (const [, typeOnly, names, path] of text.matchAll(statement)) {
    const list = names.trim();
    const allTypes = /^\{[^}]*\}$/s.test(list) &&
      list.slice(1, -1).split(",").map((n) => n.trim()).filter(Boolean)
        .every((n) => n.startsWith("type "));
    if (!typeOnly && !allTypes) found.push(join(dirname(file), path!));
  }
  return found;
}

/** Every cycle found by a depth-first walk, as the files in it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") found.push(path.slice(path.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

Deno.test("irp/, wsk/, transport/ and testing/ have no run-time import cycles", () => {
  const graph = new Map<string, string[]>();
  for (const directory of DIRECTORIES) {
    for (const entry of Deno.readDirSync(join(root, directory))) {
      if (!entry.name.endsWith(".ts")) continue;
      const file = join(root, directory, entry.name);
      graph.set(file, runtimeImports(file));
    }
  }
  const named = cycles(graph).map((cycle) => cycle.map((file) => relative(root, file)).join(" → "));
  assert.deepEqual(named, []);
});
