// How every function is bundled, defined once: infra/cloud/chat-function.ts hands it to CDK's NodejsFunction,
// the bundle tests and the cold-start bench hand it to esbuild directly, so what they measure is what deploys.
import type { BuildOptions } from 'esbuild'

/** Packages with a native binary: left out of the bundle and installed for Lambda's platform when imported. */
export const nativePackages = [
  { name: '@node-rs/argon2', binary: (cpu: string) => `argon2.linux-${cpu}-gnu.node` },
] as const

/**
 * Packages replaced in every bundle, by a module path relative to the repository root (esbuild resolves an
 * alias from its working directory, which CDK sets to the project root).
 */
export const bundleAliases: Readonly<Record<string, string>> = {
  'whatwg-url': './infra/cloud/bundling/whatwg-url.ts',
  '@aws-sdk/credential-provider-node': './infra/cloud/bundling/lambda-credentials.ts',
}

/** Packages kept in every bundle but run on first call, by a module path as above: none is needed at cold start. */
export const deferredPackages: Readonly<Record<string, string>> = {
  '@mongodb-js/saslprep': './infra/cloud/bundling/saslprep.cjs',
}

/** esbuild's options for one function, as CDK's NodejsFunction passes them (its target follows the runtime). */
export const functionBundling = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  mainFields: ['module', 'main'],
  // Bundled CommonJS dependencies call require(); ESM has none unless we make one.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  // Only the native packages: the SDK is bundled too, at the lock file's version, not whatever the runtime ships.
  external: nativePackages.map((pkg) => pkg.name),
  alias: { ...bundleAliases, ...deferredPackages },
  // Maps stack traces when one is formatted: NODE_OPTIONS=--enable-source-maps indexed the map at every cold start.
  inject: ['./infra/cloud/bundling/source-mapped-stacks.ts'],
} satisfies BuildOptions
