// Account mail in SES: the sending identity (a domain, or a single address) and the configuration set it sends under.
import * as ses from 'aws-cdk-lib/aws-ses'
import { Construct } from 'constructs'

export interface MailIdentityProps {
  stageName: string
  /** The address mail is sent from. */
  from: string
  /** A domain to verify (DKIM records in DNS); without one, the `from` address alone is verified by a link. */
  domain?: string
}

export class MailIdentity extends Construct {
  readonly identity: ses.EmailIdentity
  readonly configurationSet: ses.ConfigurationSet
  readonly from: string
  /** A fixed name, so the functions' grants and environment name it without a cross-stack reference. */
  readonly configurationSetName: string
  /** What IAM names when a function may send from this identity. */
  readonly identityName: string

  constructor(scope: Construct, id: string, props: MailIdentityProps) {
    super(scope, id)
    this.from = props.from
    this.identityName = props.domain ?? props.from
    this.configurationSetName = `chat-service-${props.stageName}`
    // Bounces and complaints stop further mail to that address, which keeps the account's sending reputation.
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: this.configurationSetName,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
    })
    this.identity = new ses.EmailIdentity(this, 'Identity', {
      identity: props.domain ? ses.Identity.domain(props.domain) : ses.Identity.email(props.from),
      configurationSet: this.configurationSet,
    })
  }
}
