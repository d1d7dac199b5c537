import { RUNTIME_ENV } from '../../config/runtime-env';

/** What the API needs to run, read from environment variables set by module.api_services or the dev server. */
export interface ApiConfig {
  readonly environment: string;
}

export function loadConfig(env: NodeJS.ProcessEnv): ApiConfig {
  return { environment: env[RUNTIME_ENV.environment] ?? 'local' };
}
