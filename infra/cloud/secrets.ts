// Secrets the service reads at cold start: external store credentials (filled by the deploying team) and JWT keys.
import { RemovalPolicy } from 'aws-cdk-lib'
import type * as logs from 'aws-cdk-lib/aws-logs'
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import { Construct } from 'constructs'
import { acknowledge } from './nag.ts'
import { resourceNames } from './resource-names.ts'
import { SigningKeyRotation } from './signing-key-rotation.ts'

export interface ServiceSecretsProps {
  stageName: string
  retain: boolean
  logRetentionDays: logs.RetentionDays
}

export class ServiceSecrets extends Construct {
  /** `{ "url": "mongodb+srv://..." }` */
  readonly mongo: secretsmanager.Secret
  /** `{ "url": "https://....upstash.io", "token": "..." }` */
  readonly upstash: secretsmanager.Secret
  /** `[signer, next, previous?]` ES256 private JWKs with `kid` (lib/config.ts JWT_SIGNING_KEYS), generated and rotated. */
  readonly jwtSigningKeys: secretsmanager.Secret
  /** The same keys' public halves as a JWKS (lib/config.ts JWT_PUBLIC_KEYS), written by each rotation. */
  readonly jwtPublicKeys: secretsmanager.Secret
  readonly jwtSigningKeysRotation: SigningKeyRotation
  /** `{ "publicKey", "privateKey", "subject" }`: the VAPID key pair that signs Web Push (lib/config.ts VAPID_KEYS). */
  readonly vapidKeys: secretsmanager.Secret
  /** `{ "google": { "clientId", "clientSecret" }, "github": { ... } }`: the sign-in providers' app credentials. */
  readonly oauthClients: secretsmanager.Secret

  constructor(scope: Construct, id: string, props: ServiceSecretsProps) {
    super(scope, id)
    const names = resourceNames(props.stageName).secrets
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY
    // CloudFormation only ever generates these placeholders at creation, so a value the team puts later stays.
    this.mongo = new secretsmanager.Secret(this, 'Mongo', {
      secretName: names.mongo,
      description: 'MongoDB connection string as {"url": "mongodb+srv://..."}; put by the deploying team',
      generateSecretString: { secretStringTemplate: '{"url":""}', generateStringKey: 'unset' },
      removalPolicy,
    })
    this.upstash = new secretsmanager.Secret(this, 'Upstash', {
      secretName: names.upstash,
      description:
        'Upstash Redis REST credentials as {"url": "https://...", "token": "..."}; put by the deploying team',
      generateSecretString: { secretStringTemplate: '{"url":"","token":""}', generateStringKey: 'unset' },
      removalPolicy,
    })
    this.oauthClients = new secretsmanager.Secret(this, 'OAuthClients', {
      secretName: names.oauthClients,
      description:
        'Sign-in provider apps as {"google": {"clientId", "clientSecret"}, "github": {...}}; put by the deploying team',
      generateSecretString: {
        secretStringTemplate:
          '{"google":{"clientId":"","clientSecret":""},"github":{"clientId":"","clientSecret":""}}',
        generateStringKey: 'unset',
      },
      removalPolicy,
    })
    for (const [secret, issuer] of [
      [this.mongo, 'MongoDB Atlas'],
      [this.upstash, 'Upstash'],
      [this.oauthClients, 'Google and GitHub'],
    ] as const) {
      acknowledge(secret, {
        'AwsSolutions-SMG4': `${issuer} issues these credentials; they are rotated there and put here by the team (DEPLOY.md)`,
      })
    }
    this.vapidKeys = new secretsmanager.Secret(this, 'VapidKeys', {
      secretName: names.vapidKeys,
      description:
        'Web Push VAPID keys as {"publicKey", "privateKey", "subject"}; generated once and put by the deploying team',
      generateSecretString: {
        secretStringTemplate: '{"publicKey":"","privateKey":"","subject":""}',
        generateStringKey: 'unset',
      },
      removalPolicy,
    })
    acknowledge(this.vapidKeys, {
      'AwsSolutions-SMG4':
        'browsers subscribe with this public key: a new key pair ends every subscription, so it is not rotated',
    })
    this.jwtSigningKeys = new secretsmanager.Secret(this, 'JwtSigningKeys', {
      secretName: names.jwtSigningKeys,
      description:
        'JWT signing keys as a JSON list of ES256 JWKs; generated and rotated by its rotation function',
      removalPolicy,
    })
    this.jwtPublicKeys = new secretsmanager.Secret(this, 'JwtPublicKeys', {
      secretName: names.jwtPublicKeys,
      description:
        'Public halves of the JWT signing keys as a JWKS, for the functions that verify tokens; written by the rotation',
      // An empty set until the first rotation (run when the signing secret is created) writes the keys.
      generateSecretString: { secretStringTemplate: '{"keys":[]}', generateStringKey: 'unset' },
      removalPolicy,
    })
    acknowledge(this.jwtPublicKeys, {
      'AwsSolutions-SMG4':
        'public keys only; the rotation of the signing-keys secret rewrites this one each time it runs',
    })
    this.jwtSigningKeysRotation = new SigningKeyRotation(this, 'JwtSigningKeysRotation', {
      secret: this.jwtSigningKeys,
      publicKeys: this.jwtPublicKeys,
      logRetentionDays: props.logRetentionDays,
      retainLogs: props.retain,
    })
  }
}
