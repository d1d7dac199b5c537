import { TerraformHclModule, TerraformStack } from 'cdktf';
import type { ModuleStack } from './module-stack';

/** Where module directories are written inside a synthesized stack directory. */
export const MODULES_DIR = 'modules';

/**
 * `module "<name>" { source = "./modules/<name>" … }` in the root stack.
 * The module's own files are written next to the root's `cdk.tf.json` by `ModuleWritingSynthesizer`.
 */
export class ModuleCall<Inputs extends string, Outputs extends string> {
  readonly call: TerraformHclModule;

  constructor(
    root: TerraformStack,
    readonly module: ModuleStack<Inputs, Outputs>,
    inputs: Readonly<Record<Inputs, unknown>>,
  ) {
    const declared = new Set(module.inputNames);
    const given = Object.keys(inputs);
    const missing = [...declared].filter((name) => !given.includes(name));
    const unknown = given.filter((name) => !declared.has(name));
    if (missing.length || unknown.length) {
      throw new Error(
        `module.${module.moduleName}: ` +
          [missing.length ? `missing inputs ${missing.join(', ')}` : '', unknown.length ? `unknown inputs ${unknown.join(', ')}` : '']
            .filter(Boolean)
            .join('; '),
      );
    }
    this.call = new TerraformHclModule(root, module.moduleName, {
      source: `./${MODULES_DIR}/${module.moduleName}`,
      // Keep the stable relative path instead of cdktf's hashed asset copy.
      skipAssetCreationFromLocalModules: true,
      variables: inputs as Record<string, unknown>,
    });
  }

  private checked(name: Outputs): string {
    if (!this.module.declaredOutputs.includes(name)) {
      throw new Error(`module.${this.module.moduleName} has no output ${name}`);
    }
    return name;
  }

  /** `module.<name>.<output>` as a string token. */
  get(name: Outputs): string {
    return this.call.getString(this.checked(name));
  }

  getList(name: Outputs): string[] {
    return this.call.getList(this.checked(name));
  }

  getNumber(name: Outputs): number {
    return this.call.getNumber(this.checked(name));
  }
}
