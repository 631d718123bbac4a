import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Template } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { bundleAliases, deferredPackages } from '../../infra/cloud/bundling/options.ts'
import { type RouteTable, routeTable } from '../../infra/cloud/route-table.ts'
import type { FunctionSpec } from '../../infra/routes.ts'
import { removeSynthOutputs, synth } from './synth.ts'

afterAll(removeSynthOutputs)

/** ELF e_machine (little-endian u16 at byte 18) for each Lambda architecture. */
const elfMachine: Record<string, number> = { arm64: 0xb7, x86_64: 0x3e }
const argon2Package = (architecture: string) =>
  `@node-rs/argon2-linux-${architecture === 'arm64' ? 'arm64' : 'x64'}-gnu`

interface Bundle {
  name: string
  architecture: string
  dir: string
  code: string
}

let bundles: Bundle[]

/**
 * CDK bundles every function the same way but for the Argon2 install step, which runs when the bundle imports it:
 * one function of each kind shows the options and the step reached the build. What each of the others' bundles holds,
 * bundled with the same options, is test/infra/bundle-contents.test.ts's.
 */
const sampled = ['auth', 'health']

/** The route table with only `names`' functions and what names them. */
function onlyFunctions(names: readonly string[]): RouteTable {
  const kept = (item: { function: string }) => names.includes(item.function)
  const { authorizer } = routeTable.webSocket
  return {
    functions: Object.fromEntries(names.map((name) => [name, routeTable.functions[name] as FunctionSpec])),
    httpRoutes: routeTable.httpRoutes.filter(kept),
    webSocket: {
      ...routeTable.webSocket,
      authorizer: authorizer && kept(authorizer) ? authorizer : undefined,
      routes: routeTable.webSocket.routes.filter(kept),
    },
    queueConsumers: routeTable.queueConsumers.filter(kept),
    schedules: routeTable.schedules.filter(kept),
  }
}

beforeAll(() => {
  // Bundles the sampled functions with the local esbuild, as `cdk synth` does.
  const { app, statelessTemplate } = synth({ bundle: true, routes: onlyFunctions(sampled) })
  const outdir = app.outdir
  bundles = sampled.map((name) => bundleOf(statelessTemplate, outdir, name))
  // A bound for a hung esbuild or npm install, not a measure.
}, 600_000)

function bundleOf(template: Template, outdir: string, name: string): Bundle {
  const resources = template.toJSON().Resources as Record<
    string,
    { Properties: { Architectures: string[] }; Metadata: Record<string, string> }
  >
  const lambda = Object.values(resources).find((r) =>
    r.Metadata?.['aws:cdk:path']?.endsWith(`/${name}/Function/Resource`),
  )
  if (!lambda) throw new Error(`no function ${name}`)
  const dir = join(outdir, lambda.Metadata['aws:asset:path'] as string)
  return {
    name,
    architecture: lambda.Properties.Architectures[0] as string,
    dir,
    code: readFileSync(join(dir, 'index.mjs'), 'utf8'),
  }
}

describe('function bundles', () => {
  test('each is one minified ESM file with its source map, able to require() bundled CommonJS', () => {
    for (const bundle of bundles) {
      expect(readdirSync(bundle.dir)).toEqual(expect.arrayContaining(['index.mjs', 'index.mjs.map']))
      expect(
        bundle.code.startsWith("import { createRequire } from 'node:module'; const require = createRequire("),
      ).toBe(true)
      // Minified: long lines, not one statement per line (unminified code averages under 40 characters a
      // line); SQL in template literals keeps its newlines, so a small bundle with queries averages under 1,000.
      expect(bundle.code.length / bundle.code.split('\n').length).toBeGreaterThan(500)
    }
  })

  test('each maps its own stack traces through its source map', () => {
    for (const bundle of bundles)
      expect({ name: bundle.name, mapped: bundle.code.includes('Error.prepareStackTrace=') }).toEqual({
        name: bundle.name,
        mapped: true,
      })
  })

  test('none holds a package an alias replaces: the esbuild arguments reached the build', () => {
    const replaced = Object.keys(bundleAliases)
    expect(replaced.length).toBeGreaterThan(0)
    for (const bundle of bundles) {
      const { sources } = JSON.parse(readFileSync(join(bundle.dir, 'index.mjs.map'), 'utf8')) as {
        sources: string[]
      }
      const held = replaced.filter((name) =>
        sources.some((source) => source.includes(`node_modules/${name}/`)),
      )
      expect({ name: bundle.name, held }).toEqual({ name: bundle.name, held: [] })
    }
    // The driver that imported the replaced package is still there, reading Node's URL instead.
    const health = bundles.find((bundle) => bundle.name === 'health')
    expect(health?.code).toContain('__this_is_a_placeholder__')
  })

  test('each MongoDB user holds saslprep behind its stand-in, which loads it on first call', () => {
    for (const bundle of bundles) {
      const { sources } = JSON.parse(readFileSync(join(bundle.dir, 'index.mjs.map'), 'utf8')) as {
        sources: string[]
      }
      const held = (path: string) => sources.some((source) => source.includes(path))
      const standIn = deferredPackages['@mongodb-js/saslprep']!.replace(/^\.\//, '')
      expect({
        name: bundle.name,
        standIn: held(standIn),
        saslprep: held('node_modules/@mongodb-js/saslprep/'),
      }).toEqual({ name: bundle.name, standIn: true, saslprep: true })
    }
  })

  test('the auth function imports Argon2 and carries its native binary for its own architecture', () => {
    const argon2Users = bundles.filter((bundle) => bundle.code.includes('"@node-rs/argon2"'))
    expect(argon2Users.map((bundle) => bundle.name)).toContain('auth')
    for (const bundle of argon2Users) {
      const packageDir = join(bundle.dir, 'node_modules', argon2Package(bundle.architecture))
      const binaries = readdirSync(packageDir).filter((file) => file.endsWith('.node'))
      expect(binaries).toHaveLength(1)
      const elf = readFileSync(join(packageDir, binaries[0] as string))
      expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF')
      expect({ name: bundle.name, machine: elf.readUInt16LE(18) }).toEqual({
        name: bundle.name,
        machine: elfMachine[bundle.architecture],
      })
      // The loader package comes too, at the version the lock file pins, and no binary of another platform.
      expect(existsSync(join(bundle.dir, 'node_modules', '@node-rs', 'argon2', 'index.js'))).toBe(true)
      expect(readdirSync(join(bundle.dir, 'node_modules', '@node-rs'))).toEqual([
        'argon2',
        argon2Package(bundle.architecture).slice('@node-rs/'.length),
      ])
    }
  })

  test('functions that do not hash passwords carry no node_modules', () => {
    for (const bundle of bundles.filter((b) => !b.code.includes('"@node-rs/argon2"'))) {
      expect({ name: bundle.name, files: readdirSync(bundle.dir).sort() }).toEqual({
        name: bundle.name,
        files: ['index.mjs', 'index.mjs.map'],
      })
    }
  })
})
