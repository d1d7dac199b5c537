import { ENVIRONMENTS } from '../../config/environments';
import { synthesizeEntry } from '../helpers/synthesized';

/** Issue 14: CORS is applied the same in API Gateway and the app, from one config value. */
describe('api.corsOrigins', () => {
  const base = ENVIRONMENTS['test-70v'];

  test('with origins: OPTIONS reaches the app without a key, and the gateway\'s own refusals carry the headers', () => {
    const read = synthesizeEntry({ ...base, api: { ...base.api, corsOrigins: ['https://fleet.example.com'] } });
    const api = read('api_services').resource;
    for (const id of ['root_preflight', 'proxy_preflight']) {
      expect(api.aws_api_gateway_method[`rest_api_${id}_method`]).toMatchObject({ http_method: 'OPTIONS', api_key_required: false, authorization: 'NONE' });
      expect(api.aws_api_gateway_integration[`rest_api_${id}_integration`]).toMatchObject({ type: 'AWS_PROXY', http_method: '${aws_api_gateway_method.rest_api_' + id + '_method.http_method}' });
    }
    expect(api.aws_lambda_function.api.environment.variables.CORS_ORIGINS).toBe('https://fleet.example.com');
    for (const type of ['default_4xx', 'default_5xx']) {
      expect(api.aws_api_gateway_gateway_response[`rest_api_cors_${type}`].response_parameters['gatewayresponse.header.Access-Control-Allow-Origin']).toBe("'https://fleet.example.com'");
    }
    // Several origins: the gateway echoes the caller's (it cannot check a list).
    const several = synthesizeEntry({ ...base, api: { ...base.api, corsOrigins: ['https://a.example.com', 'https://b.example.com'] } })('api_services').resource;
    expect(several.aws_api_gateway_gateway_response.rest_api_cors_default_4xx.response_parameters['gatewayresponse.header.Access-Control-Allow-Origin']).toBe('method.request.header.Origin');
  });

  test('without (the default): no OPTIONS route, no gateway responses, nothing new on the function', () => {
    const api = synthesizeEntry(base)('api_services').resource;
    expect(Object.values(api.aws_api_gateway_method).map((m) => (m as { http_method: string }).http_method)).not.toContain('OPTIONS');
    expect(api.aws_api_gateway_gateway_response).toBeUndefined();
    expect(api.aws_lambda_function.api.environment.variables.CORS_ORIGINS).toBeUndefined();
  });

  test.each([['https://fleet.example.com/'], ['https://fleet.example.com/app'], ['http://fleet.example.com'], ['fleet.example.com']])('%s is refused at synth', (origin) => {
    expect(() => synthesizeEntry({ ...base, api: { ...base.api, corsOrigins: [origin] } })).toThrow(/api\.corsOrigins/);
  });
});
