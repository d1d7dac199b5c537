import { EnvironmentConfig } from '../config/environments';

/** Reads `a.b.c` from an environment's config; undefined when any step is missing. */
export function configValue(config: EnvironmentConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), config);
}

export const VALUE_PLACEHOLDER = /<value:([A-Za-z0-9_.]+)>/g;

/**
 * help/ markdown with one environment's real names: `<env>`, `<region>` and `<value:path>`
 * (a value from config/environments.ts). A placeholder naming no value is an error.
 */
export function renderForEnvironment(markdown: string, config: EnvironmentConfig): string {
  return markdown
    .replace(
      /<!-- raw-only -->[\s\S]*?<!-- \/raw-only -->/g,
      `Rendered for **${config.name}** (${config.region}). Config keys are written as ` +
        `\`ENVIRONMENTS['${config.name}'].path\`: the entry to edit in \`config/environments.ts\`.`,
    )
    .replace(/<env>/g, config.name)
    .replace(/<region>/g, config.region)
    .replace(VALUE_PLACEHOLDER, (_match, path: string) => {
      const value = configValue(config, path);
      if (value === undefined || typeof value === 'object') {
        throw new Error(`<value:${path}> is not a value in ENVIRONMENTS['${config.name}']`);
      }
      return String(value);
    });
}
