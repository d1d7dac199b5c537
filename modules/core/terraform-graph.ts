import * as fs from 'fs';
import * as path from 'path';

/* eslint-disable @typescript-eslint/no-explicit-any */
type TfJson = Record<string, any>;

/**
 * The dependency graph Terraform builds for a synthesized stack directory, reduced to what
 * `-target` needs. Nodes are resource and data addresses (`module.api_services.aws_lambda_function.api`,
 * `module.monitoring.data.aws_region.current_region`) and the per-value nodes Terraform has since
 * 0.13: each module call argument (`module.cache.var.kms_key_arn`), each module output
 * (`module.cache.output.redis_url`), locals and root variables. Edges are references inside `${…}`
 * expressions and `depends_on`.
 *
 * `closure(target)` is what `terraform plan -target=<target>` may change: the target and everything it
 * depends on, transitively; never what depends on it.
 */
export class TerraformGraph {
  private readonly edges = new Map<string, Set<string>>();
  private readonly resources = new Set<string>();

  static fromStackDir(stackDir: string): TerraformGraph {
    const graph = new TerraformGraph();
    const read = (file: string): TfJson => JSON.parse(fs.readFileSync(file, 'utf8'));
    const root = read(path.join(stackDir, 'cdk.tf.json'));
    graph.addConfig(undefined, root);
    for (const [name, call] of Object.entries<TfJson>(root.module ?? {})) {
      const source = String(call.source);
      if (!source.startsWith('./')) throw new Error(`module.${name}: only local modules are supported (${source})`);
      graph.addModuleCall(name, call);
      graph.addConfig(name, read(path.join(stackDir, source, 'main.tf.json')));
    }
    return graph;
  }

  /** Every resource address (not data sources), sorted. */
  get resourceAddresses(): string[] {
    return [...this.resources].sort();
  }

  /** Resources (and data sources) a `-target` of these addresses brings into the plan. */
  closure(targets: readonly string[]): Set<string> {
    const seen = new Set<string>();
    const stack: string[] = [];
    for (const target of targets) {
      const matched = this.expandTarget(target);
      if (matched.length === 0) throw new Error(`-target=${target} matches nothing in this stack`);
      stack.push(...matched);
    }
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      for (const next of this.edges.get(node) ?? []) stack.push(next);
    }
    return new Set([...seen].filter((node) => this.resources.has(node) || /\.data\.|^data\./.test(node)));
  }

  /** Resource addresses only (what can be created, updated or replaced). */
  changedBy(targets: readonly string[]): string[] {
    return [...this.closure(targets)].filter((node) => this.resources.has(node)).sort();
  }

  /** `module.x` targets every resource in it; `module.x.type.name` one resource. */
  private expandTarget(target: string): string[] {
    if (this.resources.has(target)) return [target];
    if (/^module\.[a-z0-9_]+$/.test(target)) return [...this.resources].filter((r) => r.startsWith(`${target}.`));
    return [];
  }

  private node(module: string | undefined, local: string): string {
    return module ? `module.${module}.${local}` : local;
  }

  private link(from: string, to: Iterable<string>): void {
    const set = this.edges.get(from) ?? new Set<string>();
    for (const t of to) set.add(t);
    this.edges.set(from, set);
  }

  /** Arguments of `module "<name>"` in the root: one node per variable. */
  private addModuleCall(name: string, call: TfJson): void {
    for (const [argument, value] of Object.entries(call)) {
      if (argument === 'source' || argument === '//') continue;
      if (argument === 'depends_on') continue; // module-level depends_on: applied to every variable below
      this.link(`module.${name}.var.${argument}`, this.references(undefined, value));
    }
    if (Array.isArray(call.depends_on)) {
      for (const argument of Object.keys(call)) {
        this.link(`module.${name}.var.${argument}`, call.depends_on.map((d: string) => this.dependsOnNode(undefined, d)));
      }
    }
  }

  private addConfig(module: string | undefined, tf: TfJson): void {
    for (const [type, byName] of Object.entries<TfJson>(tf.resource ?? {})) {
      for (const [name, config] of Object.entries<TfJson>(byName)) {
        const address = this.node(module, `${type}.${name}`);
        this.resources.add(address);
        this.linkBlock(module, address, config);
      }
    }
    for (const [type, byName] of Object.entries<TfJson>(tf.data ?? {})) {
      for (const [name, config] of Object.entries<TfJson>(byName)) {
        this.linkBlock(module, this.node(module, `data.${type}.${name}`), config);
      }
    }
    for (const [name, config] of Object.entries<TfJson>(tf.output ?? {})) {
      this.linkBlock(module, this.node(module, `output.${name}`), config);
    }
    for (const [name, value] of Object.entries<unknown>(tf.locals ?? {})) {
      this.link(this.node(module, `local.${name}`), this.references(module, value));
    }
  }

  private linkBlock(module: string | undefined, address: string, config: TfJson): void {
    const { depends_on: dependsOn, '//': _metadata, ...rest } = config;
    this.link(address, this.references(module, rest));
    if (Array.isArray(dependsOn)) this.link(address, dependsOn.map((d: string) => this.dependsOnNode(module, d)));
  }

  private dependsOnNode(module: string | undefined, reference: string): string {
    const bare = reference.replace(/^\$\{(.*)\}$/, '$1');
    return this.referenceNode(module, bare) ?? this.node(module, bare);
  }

  /** Every node an expression refers to, from the `${…}` templates anywhere inside it. */
  private references(module: string | undefined, value: unknown): Set<string> {
    const found = new Set<string>();
    const walk = (v: unknown): void => {
      if (typeof v === 'string') {
        for (const expression of interpolations(v)) {
          for (const [reference] of expression.matchAll(REFERENCE)) {
            const node = this.referenceNode(module, reference);
            if (node) found.add(node);
          }
        }
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(value);
    return found;
  }

  private referenceNode(module: string | undefined, reference: string): string | undefined {
    const parts = reference.split('.');
    switch (parts[0]) {
      case 'var':
        return this.node(module, `var.${parts[1]}`);
      case 'local':
        return this.node(module, `local.${parts[1]}`);
      case 'data':
        return this.node(module, `data.${parts[1]}.${parts[2]}`);
      case 'module':
        // From the root: one output of a child module.
        return parts.length >= 3 ? `module.${parts[1]}.output.${parts[2]}` : `module.${parts[1]}`;
      case 'path':
      case 'count':
      case 'each':
      case 'self':
      case 'terraform':
        return undefined;
      default:
        return parts.length >= 2 ? this.node(module, `${parts[0]}.${parts[1]}`) : undefined;
    }
  }
}

/** A reference starts an identifier chain that is not itself an attribute of something before it. */
const REFERENCE = /(?<![\w.])(?:data\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+|module\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)?|var\.[A-Za-z0-9_-]+|local\.[A-Za-z0-9_-]+|[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z0-9_-]+)(?![\w(])/g;

/** The expressions of a JSON-syntax template: the text inside each top-level `${…}`. */
export function interpolations(template: string): string[] {
  const found: string[] = [];
  let i = 0;
  while ((i = template.indexOf('${', i)) !== -1) {
    if (i > 0 && template[i - 1] === '$') {
      i += 2; // `$${` is an escaped literal
      continue;
    }
    let depth = 1;
    let j = i + 2;
    let quoted = false;
    for (; j < template.length && depth > 0; j++) {
      const c = template[j];
      if (c === '\\' && quoted) j++;
      else if (c === '"') quoted = !quoted;
      else if (!quoted && c === '{') depth++;
      else if (!quoted && c === '}') depth--;
    }
    found.push(template.slice(i + 2, j - 1));
    i = j;
  }
  return found;
}

/**
 * Address patterns: `*` matches within one segment (`module.database.aws_dynamodb_table.*`), `**`
 * across segments (`module.cache.**` is everything in module.cache).
 */
export function addressPattern(pattern: string): RegExp {
  const escape = (part: string) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const body = pattern
    .split('**')
    .map((wide) => wide.split('*').map(escape).join('[^.]*'))
    .join('.*');
  return new RegExp(`^${body}$`);
}
