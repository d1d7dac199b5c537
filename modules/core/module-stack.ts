import { TerraformElement, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Construct, Node } from 'constructs';
import type { ModuleName } from '../../config/names';
import { assertUniqueAddresses, readableLogicalId } from './readable-ids';

export interface ModuleInputSpec {
  /** Terraform type constraint: `string`, `number`, `bool`, `list(string)`, … */
  readonly type: string;
  readonly description: string;
  readonly sensitive?: boolean;
  /** Terraform `validation` blocks: `condition` is an HCL expression over `var.<name>`. */
  readonly validation?: ReadonlyArray<{ readonly condition: string; readonly errorMessage: string }>;
}

export interface ModuleOutputSpec {
  readonly value: unknown;
  readonly description: string;
  readonly sensitive?: boolean;
}

/**
 * What a module asks of its caller: the provider version the bindings were generated from, up to
 * the next major (module style: the root stack pins the exact version).
 */
function awsProviderRequirement(provider: AwsProvider): { source: string; version: string } {
  const generated = provider.terraformGeneratorMetadata?.providerVersion;
  if (!generated) throw new Error('@cdktf/provider-aws does not record its provider version');
  const major = Number(generated.split('.')[0]);
  return { source: 'hashicorp/aws', version: `>= ${generated}, < ${major + 1}.0.0` };
}

/** The files of one synthesized module directory, by path relative to it. */
export type ModuleFiles = ReadonlyMap<string, string | Buffer>;

/** A construct tree root of its own: module resources never join the root stack's tree. */
class DetachedRoot extends Construct {
  constructor() {
    super(undefined as unknown as Construct, '');
  }
}

/**
 * A TypeScript construct that synthesizes to a real Terraform module directory:
 * `main.tf.json` with `variable`, `output`, resources and `terraform.required_providers`,
 * and no `provider` or `backend` block — the root stack passes providers in.
 *
 * Its resources live in a tree of their own, so they can only reach another module through
 * declared inputs (variables) fed from that module's outputs by the root.
 */
export abstract class ModuleStack<Inputs extends string = string, Outputs extends string = string> extends TerraformStack {
  private readonly inputSpecs = new Map<string, ModuleInputSpec>();
  private readonly outputNames = new Set<string>();
  private readonly extraFiles = new Map<string, string | Buffer>();
  private readonly provider: AwsProvider;

  protected constructor(readonly moduleName: ModuleName) {
    super(new DetachedRoot(), moduleName);
    // Binds resources to aws; its provider block is dropped at synth.
    this.provider = new AwsProvider(this, 'aws');
  }

  /** Declares `variable "<name>"` and returns `var.<name>` for use in resources. */
  protected input(name: Inputs, spec: ModuleInputSpec): TerraformVariable {
    if (this.inputSpecs.has(name)) throw new Error(`module.${this.moduleName}: input ${name} declared twice`);
    this.inputSpecs.set(name, spec);
    const variable = new TerraformVariable(this, `input-${name}`, {
      type: spec.type,
      description: spec.description,
      sensitive: spec.sensitive,
      nullable: false,
      // JSON strings are templates: the condition must be an interpolation to be an expression.
      validation: spec.validation?.map((v) => ({ condition: `\${${v.condition}}`, errorMessage: v.errorMessage })),
    });
    variable.overrideLogicalId(name);
    return variable;
  }

  /** Declares `output "<name>"`, the only way a neighbour can read this module. */
  protected output(name: Outputs, spec: ModuleOutputSpec): void {
    this.outputNames.add(name);
    new TerraformOutput(this, `output-${name}`, {
      value: spec.value,
      description: spec.description,
      sensitive: spec.sensitive,
    }).overrideLogicalId(name);
  }

  /** Ships a file inside the module directory; returns its path as Terraform sees it. */
  protected addFile(relativePath: string, content: string | Buffer): string {
    if (relativePath.startsWith('/') || relativePath.includes('..') || relativePath === 'main.tf.json') {
      throw new Error(`module.${this.moduleName}: bad file path ${relativePath}`);
    }
    this.extraFiles.set(relativePath, content);
    return `\${path.module}/${relativePath}`;
  }

  get inputNames(): readonly string[] {
    return [...this.inputSpecs.keys()];
  }

  get declaredOutputs(): readonly string[] {
    return [...this.outputNames];
  }

  protected allocateLogicalId(element: TerraformElement | Node): string {
    return readableLogicalId(this, element);
  }

  /** The module directory's content. */
  synthesizeModule(): ModuleFiles {
    assertUniqueAddresses(this);
    const errors = this.node.validate();
    if (errors.length > 0) throw new Error(`module.${this.moduleName}: ${errors.join('; ')}`);
    const tf = this.toTerraform() as Record<string, unknown> & { terraform?: Record<string, unknown> };
    delete tf['//'];
    delete tf.provider;
    tf.terraform = { required_providers: { aws: awsProviderRequirement(this.provider) } };
    const files = new Map<string, string | Buffer>([['main.tf.json', `${JSON.stringify(tf, null, 2)}\n`]]);
    for (const [file, content] of this.extraFiles) files.set(file, content);
    return files;
  }
}
