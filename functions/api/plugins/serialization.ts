import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type SerializerFactory = ReturnType<typeof SerializerSelector>;
type RouteSerializerCompiler = ReturnType<SerializerFactory>;

const fastJsonStringify = SerializerSelector();

/**
 * Fastify's own response serializers (fast-json-stringify), each compiled when its route first
 * answers with that status instead of at start: like the validators (validation.ts), compiling
 * every one up front was a large share of a Lambda cold start.
 */
export const lazySerializers: SerializerFactory = (externalSchemas, options) => {
  const compile: RouteSerializerCompiler = fastJsonStringify(externalSchemas, options);
  return (route) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data: unknown) => (serialize ??= compile(route) as (data: unknown) => string)(data);
  };
};
