import type { Procedure } from '../config/procedures';
import { EnvironmentConfig } from '../config/environments';
import { SiteSettings, loadSite } from '../config/site';

/** Reads `a.b.c` from an environment's config; undefined when any step is missing. */
export function configValue(config: EnvironmentConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), config);
}

export const VALUE_PLACEHOLDER = /<value:([A-Za-z0-9_.]+)>/g;
export const SITE_PLACEHOLDER = /<site:([A-Za-z0-9_.]+)>/g;
export const SITE_KEYS = ['alarmEmails', 'contacts.onCall', 'contacts.escalation', 'contacts.awsSupport'] as const;

/** A site value as the runbook shows it; unset, it says exactly which file and key to fill in. */
export function siteValue(site: SiteSettings, key: string, environment: string): string {
  if (!(SITE_KEYS as readonly string[]).includes(key)) throw new Error(`<site:${key}> is not a site setting (${SITE_KEYS.join(', ')})`);
  const value = key.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), site);
  const text = Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : '';
  return text || `**not set**: add \`${key}\` to \`config/site/${environment}.json\` (\`npm run preflight -- ${environment}\`)`;
}

/**
 * help/ markdown with one environment's real names: `<env>`, `<region>`, `<value:path>` (a value
 * from config/environments.ts) and `<site:key>` (from config/site/<env>.json). A placeholder naming
 * no value is an error.
 */
export function renderForEnvironment(markdown: string, config: EnvironmentConfig, site: SiteSettings = loadSite(config.name)): string {
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
    })
    .replace(SITE_PLACEHOLDER, (_match, key: string) => siteValue(site, key, config.name));
}

/** `<!-- procedure: <id> -->` … `<!-- /procedure -->` around a fenced block of a procedure's commands. */
export const PROCEDURE_BLOCK = /<!-- procedure: ([a-z0-9-]+) -->\n```bash\n([\s\S]*?)```\n<!-- \/procedure -->/g;

/** The fenced commands of every procedure block, rewritten from config/procedures.ts. */
export function writeProcedureBlocks(markdown: string, procedures: readonly Procedure[]): string {
  return markdown.replace(PROCEDURE_BLOCK, (_block, id: string) => {
    const procedure = procedures.find((p) => p.id === id);
    if (!procedure) throw new Error(`help/RUNBOOK.md has a block for procedure ${id}, which config/procedures.ts does not declare`);
    return `<!-- procedure: ${id} -->\n\`\`\`bash\n${procedure.commands.join('\n')}\n\`\`\`\n<!-- /procedure -->`;
  });
}
