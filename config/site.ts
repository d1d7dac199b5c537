import * as fs from 'fs';
import * as path from 'path';

/**
 * Site values: what only the organisation deploying this platform knows — its AWS account, who
 * gets the alarms, whom on-call calls. One JSON file per environment, `config/site/<env>.json`,
 * read at synth (and by `npm run runbook` / `npm run preflight`). The repository ships none: a
 * plan of an environment without its file fails, naming the missing setting.
 */
export interface SiteSettings {
  /** 12-digit id of the AWS account the environment is deployed to; names the state bucket. */
  readonly awsAccountId?: string;
  /** Who receives every alarm and budget notification (SNS e-mail subscriptions; each must confirm). */
  readonly alarmEmails?: readonly string[];
  readonly contacts?: {
    /** How to reach the on-call engineer (phone, pager or rota URL). */
    readonly onCall?: string;
    /** Escalation: the architecture / platform team. */
    readonly escalation?: string;
    /** AWS Support plan and how to open a case. */
    readonly awsSupport?: string;
  };
}

/** Where the site files live; `VT_SITE_DIR` points elsewhere (tests, a private checkout). */
export function siteDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VT_SITE_DIR ? path.resolve(env.VT_SITE_DIR) : path.resolve(__dirname, 'site');
}

export function siteFile(environment: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(siteDir(env), `${environment}.json`);
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** Documentation-only domains (RFC 2606) and the seed runbook's placeholders: never a real contact. */
const PLACEHOLDER = /example\.(com|org|net)|company\.com|X{3,}/i;

/** The site settings of an environment, validated; `{}` when it has no file. */
export function loadSite(environment: string, env: NodeJS.ProcessEnv = process.env): SiteSettings {
  const file = siteFile(environment, env);
  if (!fs.existsSync(file)) return {};
  let site: SiteSettings;
  try {
    site = JSON.parse(fs.readFileSync(file, 'utf8')) as SiteSettings;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const problems: string[] = [];
  if (site.awsAccountId !== undefined && !/^\d{12}$/.test(site.awsAccountId)) problems.push('awsAccountId must be the 12-digit account id');
  if (site.alarmEmails !== undefined) {
    if (!Array.isArray(site.alarmEmails)) problems.push('alarmEmails must be a list of e-mail addresses');
    else for (const email of site.alarmEmails) if (!EMAIL.test(email) || PLACEHOLDER.test(email)) problems.push(`alarmEmails: "${email}" is not a real e-mail address`);
  }
  for (const [key, value] of Object.entries(site.contacts ?? {})) {
    if (typeof value !== 'string' || value.trim() === '' || PLACEHOLDER.test(value)) problems.push(`contacts.${key}: "${value}" is a placeholder, not a contact`);
  }
  if (problems.length > 0) throw new Error(`${file} is invalid:\n- ${problems.join('\n- ')}`);
  return site;
}
