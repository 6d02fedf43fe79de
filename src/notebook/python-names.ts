/**
 * What a code cell brings into the notebook's namespace and which modules it imports, read
 * statically (a lexer's view, not a parser's): enough to tell that a NameError in a later
 * cell names something an earlier, failed cell would have defined.
 */
import { readPythonLines } from './python-lines.js';

export interface CellNames {
  /** Names bound at the top level: imports, assignments, `def`, `class`, `for` and `with ... as` targets. */
  names: Set<string>;
  /** `from x import *`: any name may come from it. */
  starImport: boolean;
  /** Top-level modules imported (`torch` for `import torch.nn as nn`). */
  modules: Set<string>;
}

const IDENT = /^[A-Za-z_]\w*$/;

export function cellNames(source: string): CellNames {
  const names = new Set<string>();
  const modules = new Set<string>();
  let starImport = false;
  const add = (target: string) => {
    for (const part of target.split(',')) {
      const name = part.trim().replace(/^[*([]+|[)\]]+$/g, '').trim();
      if (IDENT.test(name)) names.add(name);
    }
  };
  for (const line of readPythonLines(source)) {
    if (line.magic) continue;
    // Statements after `;` on one line are statements too.
    for (const statement of line.code.split(';')) {
      const code = statement.trim();
      let m: RegExpExecArray | null;
      if ((m = /^import\s+(.+)$/.exec(code))) {
        for (const item of m[1]!.split(',')) {
          const [module, alias] = item.trim().split(/\s+as\s+/);
          const top = module?.trim().split('.')[0] ?? '';
          if (IDENT.test(top)) modules.add(top);
          if (alias !== undefined) add(alias);
          else if (IDENT.test(top)) names.add(top);
        }
      } else if ((m = /^from\s+([\w.]+)\s+import\s+(.+)$/.exec(code))) {
        const top = m[1]!.split('.')[0] ?? '';
        if (IDENT.test(top)) modules.add(top);
        if (m[2]!.trim() === '*') starImport = true;
        else for (const item of m[2]!.split(',')) add(item.trim().split(/\s+as\s+/).pop() ?? '');
      } else if ((m = /^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)/.exec(code))) {
        if (line.indent === 0) names.add(m[1]!);
      } else if ((m = /^for\s+(.+?)\s+in\s/.exec(code))) {
        if (line.indent === 0) add(m[1]!);
      } else if (line.indent === 0 && /^[([]?[A-Za-z_][\w\s,.[\]*()]*?\s*(?:[-+*/%&|^@]|\/\/|\*\*|>>|<<)?=(?!=)/.test(code) && !/^[A-Za-z_][\w.]*\(/.test(code)) {
        // `a = ...`, `a, b = ...`, `(a, b) = ...`, `a += ...`; not `f(x=1)` (a call).
        for (const target of code.split(/(?<![=!<>])=(?!=)/).slice(0, -1)) add(target.replace(/[-+*/%&|^@<>]+$/, ''));
      }
      for (const w of code.matchAll(/\bas\s+([A-Za-z_]\w*)/g)) if (/^with\b/.test(code)) names.add(w[1]!);
    }
  }
  return { names, starImport, modules };
}

/** Top-level modules a notebook's code imports. */
export function importedModules(sources: Iterable<string>): Set<string> {
  const modules = new Set<string>();
  for (const source of sources) for (const m of cellNames(source).modules) modules.add(m);
  return modules;
}
