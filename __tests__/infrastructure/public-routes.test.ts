import pino from 'pino';
import { environmentNames } from '../../config/environments';
import { buildApp } from '../../functions/api/app';
import { createServices } from '../../functions/api/services';
import { localApiConfig } from '../../functions/local/api-config';
import { synthesizeAll } from '../helpers/synthesized';

/**
 * What needs no API key is the same in the dev server and in AWS: the app's public routes are
 * exactly those API Gateway serves without a key (issue 14: "public or keyed consistently").
 */
async function publicAppRoutes(): Promise<string[]> {
  const config = localApiConfig({ environment: 'publicroutes', dynamodbEndpoint: 'http://127.0.0.1:9', apiKeys: ['k'] });
  const services = createServices(config, { log: pino({ level: 'silent' }) });
  const routes: string[] = [];
  const app = buildApp({ config, services, describeRoutes: (root) => root.addHook('onRoute', (route) => void (route.config?.public && routes.push(route.url))) });
  await app.ready();
  await app.close();
  await services.close();
  return [...new Set(routes)].sort();
}

describe.each(environmentNames())('%s: keyless routes', (environment) => {
  test('every public route of the app is keyless in API Gateway, and API Gateway opens nothing else', async () => {
    const resources = synthesizeAll().resources(environment, 'api_services', 'aws_api_gateway_resource');
    const methods = synthesizeAll().resources(environment, 'api_services', 'aws_api_gateway_method');
    // A resource's full path, from its parents.
    const pathOf = (reference: string): string => {
      const name = /aws_api_gateway_resource\.([a-z_]+)\.id/.exec(reference)?.[1];
      if (!name) return '';
      const resource = resources[name];
      return `${pathOf(resource.parent_id)}/${resource.path_part}`;
    };
    const keyless = Object.values(methods)
      .filter((method) => method.api_key_required === false && method.http_method !== 'OPTIONS')
      .map((method) => pathOf(method.resource_id));
    // API Gateway matches /docs/ to the /docs resource: a trailing slash is the same path there.
    const served = (url: string) => keyless.some((path) => new RegExp(`^${path.replace('{proxy+}', '.+')}/?$`).test(url));
    const appPublic = await publicAppRoutes();
    expect(appPublic.filter((url) => !served(url))).toEqual([]);
    // Every keyless gateway path leads to a public app route (a {proxy+} to at least one under it).
    for (const path of keyless) {
      const pattern = new RegExp(`^${path.replace('{proxy+}', '.+')}$`);
      expect([path, appPublic.some((url) => pattern.test(url))]).toEqual([path, true]);
    }
  });
});
