/**
 * Jest transform with esbuild (already used to bundle Lambda): TypeScript to CommonJS, and the few
 * ESM-only dependencies (cookie@2, pulled in by fastify.inject; content-disposition@3, by @fastify/static) to CommonJS, since Jest cannot
 * require ESM on Node 20. Types are checked separately by `tsc` in `npm test`.
 */
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: filename.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: filename,
      // Jest's module registry cannot serve import(); make it require().
      supported: { 'dynamic-import': false },
    });
    return { code, map };
  },
};
