import * as fs from 'fs';
import * as path from 'path';
import type { TerraformStack } from 'cdktf';
import { MODULES_DIR } from './module-call';
import type { ModuleStack } from './module-stack';

type SynthesisSession = Parameters<TerraformStack['synthesizer']['synthesize']>[0];

/**
 * Runs the stack's own synthesizer, then writes each called module's directory inside the
 * stack directory, so `cdktf.out/stacks/<stack>/` is self-contained and relocatable.
 */
export class ModuleWritingSynthesizer {
  constructor(
    private readonly stack: TerraformStack,
    private readonly inner: TerraformStack['synthesizer'],
    private readonly modules: () => readonly ModuleStack[],
  ) {}

  synthesize(session: SynthesisSession): void {
    this.inner.synthesize(session);
    const stackDir = path.join(session.outdir, session.manifest.forStack(this.stack).workingDirectory);
    const modulesDir = path.join(stackDir, MODULES_DIR);
    fs.rmSync(modulesDir, { recursive: true, force: true });
    for (const module of this.modules()) {
      for (const [file, content] of module.synthesizeModule()) {
        const target = path.join(modulesDir, module.moduleName, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
      }
    }
  }
}
