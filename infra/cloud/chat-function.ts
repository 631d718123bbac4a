// Every Lambda function of the service: one NodejsFunction shape, bundled locally by esbuild as ESM for ARM64.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs'
import * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import type { FunctionSpec } from '../routes.ts'
import { functionBundling, nativePackages } from './bundling/options.ts'
import { acknowledge, lambdaFindings } from './nag.ts'
import type { Stores } from './stores.ts'

export const projectRoot = join(import.meta.dirname, '..', '..')

/**
 * Graviton: about 20% cheaper per GB-second than x86_64 at Lambda's list prices. The machine that
 * synthesizes may be x64, so native packages are installed for this architecture, not the host's.
 */
export const functionArchitecture = lambda.Architecture.ARM_64

const defaults = { timeoutSeconds: 15, memoryMb: 512 }

/** The physical name of a function an operator invokes by name (`npm run create-admin -- --stage <stage>`). */
export const operatorFunctionName = (stageName: string, name: string) => `chat-service-${stageName}-${name}`

export interface ChatFunctionProps {
  spec: FunctionSpec
  stageName: string
  stores: Stores
  logRetentionDays: logs.RetentionDays
  /** Keeps the log group when the stack is deleted (a stage's `retainOnDelete`). */
  retainLogs: boolean
  /** Concurrency kept for this function alone (and its ceiling), from the capacity plan. */
  reservedConcurrency?: number
  /** Verifies access tokens, so reads the public keys (signing is a store it `uses`). */
  verifiesTokens: boolean
}

export class ChatFunction extends Construct {
  readonly function: nodejs.NodejsFunction

  constructor(scope: Construct, id: string, props: ChatFunctionProps) {
    super(scope, id)
    const { spec, stores } = props
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...nodejsFunctionDefaults(this, props.logRetentionDays, props.retainLogs),
      description: spec.description,
      functionName: spec.invokedByOperator ? operatorFunctionName(props.stageName, id) : undefined,
      entry: join(projectRoot, spec.entry),
      timeout: Duration.seconds(spec.timeoutSeconds ?? defaults.timeoutSeconds),
      memorySize: spec.memoryMb ?? defaults.memoryMb,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: stores.environment(spec, { verifiesTokens: props.verifiesTokens }),
      ...stores.placement(spec.uses),
    })
    stores.grant(this.function, spec, { verifiesTokens: props.verifiesTokens })
    traceActively(this.function)
    acknowledge(this.function, lambdaFindings)
  }
}

/**
 * Active X-Ray tracing, its permissions from AWS's managed X-Ray write policy: CDK's own `tracing` option writes
 * them inline on Resource "*", which cdk-nag can only be told to accept for the whole role, hiding any other
 * statement on "*" that a grant might add later.
 */
export function traceActively(fn: lambda.Function): void {
  ;(fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: lambda.Tracing.ACTIVE }
  fn.role?.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AWSXRayDaemonWriteAccess'))
}

/** Runtime, architecture, logs and bundling shared by every function the stacks deploy. */
export function nodejsFunctionDefaults(
  scope: Construct,
  logRetentionDays: logs.RetentionDays,
  retainLogs: boolean,
): nodejs.NodejsFunctionProps {
  return {
    projectRoot,
    depsLockFilePath: join(projectRoot, 'package-lock.json'),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: functionArchitecture,
    logGroup: new logs.LogGroup(scope, 'Logs', {
      retention: logRetentionDays,
      removalPolicy: retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    }),
    bundling: bundlingOptions(functionArchitecture),
  }
}

function bundlingOptions(architecture: lambda.Architecture): nodejs.BundlingOptions {
  const cpu = architecture === lambda.Architecture.ARM_64 ? 'arm64' : 'x64'
  return {
    format: nodejs.OutputFormat.ESM,
    mainFields: functionBundling.mainFields,
    banner: functionBundling.banner.js,
    minify: functionBundling.minify,
    sourceMap: functionBundling.sourcemap,
    sourcesContent: functionBundling.sourcesContent,
    // The SDK is bundled too (CDK leaves it out by default): its version is the lock file's.
    bundleAwsSDK: true,
    externalModules: functionBundling.external,
    inject: functionBundling.inject,
    esbuildArgs: {
      '--alias': Object.entries(functionBundling.alias).map(([name, path]) => `${name}=${path}`),
    },
    forceDockerBundling: false,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir, outputDir) =>
        nativePackages.map((pkg) => installNative(pkg, cpu, outputDir)),
    },
  }
}

/**
 * A shell step that, when the bundle imports `pkg`, installs it (at the lock file's version) with its
 * linux/glibc binary for `cpu`, then fails the build if that binary is not there. npm picks the
 * platform package by --os/--cpu/--libc (npm >= 10.3) and takes it from its cache when present.
 */
function installNative(pkg: (typeof nativePackages)[number], cpu: string, outputDir: string): string {
  const version = installedVersion(pkg.name)
  const binary = join(outputDir, 'node_modules', `${pkg.name}-linux-${cpu}-gnu`, pkg.binary(cpu))
  const install = [
    'npm install --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --prefer-offline',
    `--os=linux --cpu=${cpu} --libc=glibc --prefix "${outputDir}" ${pkg.name}@${version}`,
  ].join(' ')
  const check = `{ test -f "${binary}" || { echo "${pkg.name}: no linux-${cpu}-gnu binary in the bundle" >&2; exit 1; }; }`
  return `if grep -q '"${pkg.name}"' "${join(outputDir, 'index.mjs')}"; then ${install} >&2 && ${check} && rm -f "${join(outputDir, 'node_modules', '.package-lock.json')}"; fi`
}

function installedVersion(name: string): string {
  const require = createRequire(join(projectRoot, 'package.json'))
  return (require(`${name}/package.json`) as { version: string }).version
}
