import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

/**
 * A small Go text/template engine with the Helm and sprig functions our chart uses, so the chart can
 * be rendered in a test where no `helm` binary can be installed. It covers: `{{-`/`-}}` trimming,
 * comments, pipelines, parenthesised calls, variables, if/else if/else, range (lists and maps, with
 * `$k, $v`), with, define/include, and the functions in FUNCTIONS. Anything else throws, so a
 * template that uses more fails the test instead of rendering wrongly.
 */

type Value = unknown;
type Scope = { dot: Value; root: Value; vars: Map<string, Value> };

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipe }
  | { kind: 'if'; branches: { pipe: Pipe; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'range'; pipe: Pipe; body: Node[]; otherwise: Node[] }
  | { kind: 'with'; pipe: Pipe; body: Node[]; otherwise: Node[] };

interface Pipe {
  declare: string[];
  assign: boolean;
  commands: Arg[][];
}

type Arg =
  | { kind: 'literal'; value: Value }
  | { kind: 'field'; base: 'dot' | string; path: string[] }
  | { kind: 'ident'; name: string }
  | { kind: 'pipe'; pipe: Pipe; path: string[] };

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+(?:\.\d+)?)(?![\w.])|(\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|(\.[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*|\.)|([A-Za-z_][A-Za-z0-9_]*)|(:=|=|\||\(|\)(?:\.[A-Za-z0-9_]+)*|,))/y;

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(source);
    if (!match) throw new Error(`cannot read template action at: ${source.slice(TOKEN.lastIndex)}`);
    tokens.push(match[0].trim());
  }
  return tokens;
}

function parsePipe(tokens: string[], start = 0, closing?: string): { pipe: Pipe; next: number } {
  let index = start;
  const declare: string[] = [];
  let assign = false;
  const lookahead = tokens.slice(index, index + 4);
  if (lookahead[0]?.startsWith('$') && (lookahead[1] === ':=' || lookahead[1] === '=')) {
    declare.push(lookahead[0]);
    assign = lookahead[1] === '=';
    index += 2;
  } else if (lookahead[0]?.startsWith('$') && lookahead[1] === ',' && lookahead[2]?.startsWith('$') && lookahead[3] === ':=') {
    declare.push(lookahead[0], lookahead[2]);
    index += 4;
  }
  const commands: Arg[][] = [[]];
  while (index < tokens.length) {
    const token = tokens[index];
    if (closing && token.startsWith(')')) return { pipe: { declare, assign, commands }, next: index };
    index += 1;
    if (token === '|') {
      commands.push([]);
    } else if (token === '(') {
      const inner = parsePipe(tokens, index, ')');
      const close = tokens[inner.next];
      commands.at(-1)!.push({ kind: 'pipe', pipe: inner.pipe, path: close.split('.').slice(1) });
      index = inner.next + 1;
    } else {
      commands.at(-1)!.push(parseArg(token));
    }
  }
  if (closing) throw new Error('unclosed parenthesis in template action');
  return { pipe: { declare, assign, commands }, next: index };
}

function parseArg(token: string): Arg {
  if (token.startsWith('"')) return { kind: 'literal', value: JSON.parse(token) };
  if (token.startsWith('`')) return { kind: 'literal', value: token.slice(1, -1) };
  if (/^-?\d/.test(token)) return { kind: 'literal', value: Number(token) };
  if (token === 'true' || token === 'false') return { kind: 'literal', value: token === 'true' };
  if (token === 'nil') return { kind: 'literal', value: null };
  if (token === '.') return { kind: 'field', base: 'dot', path: [] };
  if (token.startsWith('.')) return { kind: 'field', base: 'dot', path: token.slice(1).split('.') };
  if (token.startsWith('$')) {
    const [name, ...path] = token.split('.');
    return { kind: 'field', base: name, path };
  }
  return { kind: 'ident', name: token };
}

/** Splits a template into nodes; `define` blocks go into `defines`. */
function parseTemplate(source: string, defines: Map<string, Node[]>): Node[] {
  const parts: { text?: string; action?: string }[] = [];
  let rest = source;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      parts.push({ text: rest });
      break;
    }
    const close = rest.indexOf('}}', open);
    if (close < 0) throw new Error('unclosed {{');
    let text = rest.slice(0, open);
    let action = rest.slice(open + 2, close);
    if (action.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      action = action.slice(1);
    }
    let after = rest.slice(close + 2);
    if (action.endsWith('-')) {
      action = action.slice(0, -1);
      after = after.replace(/^\s+/, '');
    }
    parts.push({ text }, { action: action.trim() });
    rest = after;
  }

  const root: Node[] = [];
  const stack: { nodes: Node[]; block?: Node; define?: string }[] = [{ nodes: root }];
  const current = () => stack.at(-1)!;
  for (const part of parts) {
    if (part.text !== undefined) {
      if (part.text) current().nodes.push({ kind: 'text', text: part.text });
      continue;
    }
    const action = part.action!;
    if (action.startsWith('/*')) continue;
    const [keyword] = action.split(/\s+/, 1);
    const rest = action.slice(keyword.length).trim();
    if (keyword === 'if' || keyword === 'range' || keyword === 'with') {
      const pipe = parsePipe(tokenize(rest)).pipe;
      const block: Node = keyword === 'if' ? { kind: 'if', branches: [{ pipe, body: [] }], otherwise: [] } : { kind: keyword, pipe, body: [], otherwise: [] };
      current().nodes.push(block);
      stack.push({ nodes: keyword === 'if' ? (block as { branches: { body: Node[] }[] }).branches[0].body : (block as { body: Node[] }).body, block });
    } else if (keyword === 'else') {
      const frame = current();
      const block = frame.block;
      if (!block || block.kind === 'text' || block.kind === 'action') throw new Error('else outside a block');
      if (rest.startsWith('if ') && block.kind === 'if') {
        const branch = { pipe: parsePipe(tokenize(rest.slice(3))).pipe, body: [] as Node[] };
        block.branches.push(branch);
        frame.nodes = branch.body;
      } else {
        frame.nodes = block.otherwise;
      }
    } else if (keyword === 'define') {
      const name = JSON.parse(rest) as string;
      const body: Node[] = [];
      defines.set(name, body);
      stack.push({ nodes: body, define: name });
    } else if (keyword === 'end') {
      if (stack.length === 1) throw new Error('unexpected {{ end }}');
      stack.pop();
    } else {
      current().nodes.push({ kind: 'action', pipe: parsePipe(tokenize(action)).pipe });
    }
  }
  if (stack.length !== 1) throw new Error('missing {{ end }}');
  return root;
}

function truthy(value: Value): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return true;
}

function text(value: Value): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') throw new Error(`cannot print a ${Array.isArray(value) ? 'list' : 'map'} without toYaml/toJson: ${JSON.stringify(value)}`);
  return String(value);
}

function lookup(value: Value, path: string[]): Value {
  return path.reduce<Value>((node, key) => (node === null || node === undefined ? undefined : (node as Record<string, Value>)[key]), value);
}

function indentLines(spaces: number, value: string): string {
  const pad = ' '.repeat(spaces);
  return value
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}

function toYaml(value: Value): string {
  if (value === undefined || value === null) return 'null';
  return stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
}

export class HelmTemplates {
  private readonly defines = new Map<string, Node[]>();
  private readonly files = new Map<string, Node[]>();
  private readonly functions: Record<string, (...args: Value[]) => Value>;

  constructor(private readonly chartDir: string) {
    const chartName = (parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { name: string }).name;
    const files = readdirSync(join(chartDir, 'templates'), { recursive: true, encoding: 'utf8' }).filter((name) => /\.(ya?ml|tpl|txt)$/.test(name));
    for (const file of files.sort()) {
      const nodes = parseTemplate(readFileSync(join(chartDir, 'templates', file), 'utf8'), this.defines);
      this.files.set(`${chartName}/templates/${file}`, nodes);
      this.defines.set(`${chartName}/templates/${file}`, nodes);
    }
    this.functions = {
      include: (name, dot) => this.include(String(name), dot),
      toYaml,
      toJson: (value) => JSON.stringify(value ?? null),
      nindent: (spaces, value) => `\n${indentLines(Number(spaces), text(value))}`,
      indent: (spaces, value) => indentLines(Number(spaces), text(value)),
      quote: (value) => JSON.stringify(text(value)),
      squote: (value) => `'${text(value)}'`,
      default: (fallback, value) => (truthy(value) ? value : fallback),
      required: (message, value) => {
        if (value === undefined || value === null || value === '') throw new Error(String(message));
        return value;
      },
      fail: (message) => {
        throw new Error(String(message));
      },
      sha256sum: (value) => createHash('sha256').update(text(value)).digest('hex'),
      print: (...values) => values.map(text).join(''),
      printf: (format, ...values) => {
        let index = 0;
        return String(format).replace(/%[sdv]/g, () => text(values[index++]));
      },
      trunc: (length, value) => text(value).slice(0, Number(length)),
      trimSuffix: (suffix, value) => (text(value).endsWith(String(suffix)) ? text(value).slice(0, -String(suffix).length) : text(value)),
      contains: (needle, value) => text(value).includes(String(needle)),
      replace: (from, to, value) => text(value).split(String(from)).join(String(to)),
      lower: (value) => text(value).toLowerCase(),
      eq: (a, b) => a === b,
      ne: (a, b) => a !== b,
      and: (...values) => values.find((value) => !truthy(value)) ?? values.at(-1),
      or: (...values) => values.find((value) => truthy(value)) ?? values.at(-1),
      not: (value) => !truthy(value),
      empty: (value) => !truthy(value),
      hasKey: (map, key) => Object.hasOwn(map as object, String(key)),
      list: (...values) => values,
      dict: (...pairs) => Object.fromEntries(Array.from({ length: pairs.length / 2 }, (_, i) => [String(pairs[2 * i]), pairs[2 * i + 1]])),
      int: (value) => Math.trunc(Number(value)),
      b64enc: (value) => Buffer.from(text(value)).toString('base64'),
    };
  }

  /** `helm template`: every .yaml file (not partials, not NOTES.txt), split into YAML documents, empty ones dropped. */
  render(values: Record<string, Value>, release = { Name: 'la', Namespace: 'licensing', Service: 'Helm' }): { file: string; manifest: Record<string, any> }[] {
    const root = this.root(values, release);
    const manifests: { file: string; manifest: Record<string, any> }[] = [];
    for (const [file, nodes] of this.files) {
      if (!file.endsWith('.yaml')) continue;
      const name = basename(file);
      if (name.startsWith('_')) continue;
      const output = this.execute(nodes, { dot: root, root, vars: new Map([['$', root]]) });
      // Helm and the API server read YAML 1.1 (sigs.k8s.io/yaml): `0400` is octal there.
      for (const document of parseAllDocuments(output, { version: '1.1' })) {
        if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}\n${output}`);
        const manifest = document.toJS() as Record<string, any> | null;
        if (manifest) manifests.push({ file, manifest });
      }
    }
    return manifests;
  }

  /** One file rendered to text (NOTES.txt). */
  renderText(file: string, values: Record<string, Value>, release = { Name: 'la', Namespace: 'licensing', Service: 'Helm' }): string {
    const root = this.root(values, release);
    return this.execute(this.files.get(`${root.Chart.Name}/templates/${file}`)!, { dot: root, root, vars: new Map([['$', root]]) });
  }

  /** The objects a Helm template sees at its root. `.Files.Get` reads a file of the chart (following links, as Helm does). */
  private root(values: Record<string, Value>, release: Record<string, string>) {
    const chart = parse(readFileSync(join(this.chartDir, 'Chart.yaml'), 'utf8')) as { name: string; version: string; appVersion: string };
    return {
      Values: values,
      Release: release,
      Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
      Template: { BasePath: `${chart.name}/templates` },
      Files: { Get: (path: Value) => readFileSync(join(this.chartDir, String(path)), 'utf8') },
    };
  }

  private include(name: string, dot: Value): string {
    const nodes = this.defines.get(name);
    if (!nodes) throw new Error(`no template named ${name}`);
    return this.execute(nodes, { dot, root: dot, vars: new Map([['$', dot]]) });
  }

  private execute(nodes: Node[], scope: Scope): string {
    let output = '';
    for (const node of nodes) {
      if (node.kind === 'text') output += node.text;
      else if (node.kind === 'action') {
        const value = this.pipe(node.pipe, scope);
        if (node.pipe.declare.length === 0) output += text(value);
      } else if (node.kind === 'if') {
        const branch = node.branches.find((candidate) => truthy(this.pipe(candidate.pipe, scope)));
        output += this.execute(branch ? branch.body : node.otherwise, { ...scope, vars: new Map(scope.vars) });
      } else if (node.kind === 'with') {
        const value = this.pipe(node.pipe, scope);
        output += truthy(value) ? this.execute(node.body, { ...scope, dot: value, vars: new Map(scope.vars) }) : this.execute(node.otherwise, scope);
      } else {
        const value = this.pipe({ ...node.pipe, declare: [] }, scope);
        const entries: [Value, Value][] = Array.isArray(value)
          ? value.map((item, index) => [index, item])
          : value && typeof value === 'object'
            ? Object.keys(value)
                .sort()
                .map((key) => [key, (value as Record<string, Value>)[key]])
            : [];
        if (entries.length === 0) output += this.execute(node.otherwise, scope);
        for (const [key, item] of entries) {
          const vars = new Map(scope.vars);
          if (node.pipe.declare.length === 2) vars.set(node.pipe.declare[0], key).set(node.pipe.declare[1], item);
          else if (node.pipe.declare.length === 1) vars.set(node.pipe.declare[0], item);
          output += this.execute(node.body, { ...scope, dot: item, vars });
        }
      }
    }
    return output;
  }

  private pipe(pipe: Pipe, scope: Scope): Value {
    let piped: Value;
    let first = true;
    for (const command of pipe.commands) {
      const [head, ...args] = command;
      if (!head) throw new Error('empty command in template action');
      if (head.kind === 'ident') {
        const fn = this.functions[head.name];
        if (!fn) throw new Error(`unsupported template function: ${head.name}`);
        const values = args.map((arg) => this.arg(arg, scope));
        piped = fn(...(first ? values : [...values, piped]));
      } else {
        const value = this.arg(head, scope);
        if (typeof value === 'function') {
          const values = args.map((arg) => this.arg(arg, scope));
          piped = (value as (...args: Value[]) => Value)(...(first ? values : [...values, piped]));
        } else {
          if (args.length > 0 || !first) throw new Error('a value cannot take arguments');
          piped = value;
        }
      }
      first = false;
    }
    if (pipe.declare.length === 1) scope.vars.set(pipe.declare[0], piped);
    return piped;
  }

  private arg(arg: Arg, scope: Scope): Value {
    if (arg.kind === 'literal') return arg.value;
    if (arg.kind === 'ident') {
      const fn = this.functions[arg.name];
      if (!fn) throw new Error(`unsupported template function: ${arg.name}`);
      return fn();
    }
    if (arg.kind === 'pipe') return lookup(this.pipe(arg.pipe, scope), arg.path);
    const base = arg.base === 'dot' ? scope.dot : scope.vars.get(arg.base);
    if (arg.base !== 'dot' && !scope.vars.has(arg.base)) throw new Error(`undefined variable ${arg.base}`);
    return lookup(base, arg.path);
  }
}
