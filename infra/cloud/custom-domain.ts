// Optional custom names: api.<domain> (HTTPS) and ws.<domain> (WSS) with ACM certificates, mapped to the APIs.
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import * as acm from 'aws-cdk-lib/aws-certificatemanager'
import * as route53 from 'aws-cdk-lib/aws-route53'
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets'
import { Construct } from 'constructs'

export interface ApiDomainsProps {
  domainName: string
  /** DNS-validated certificates and alias records in this zone... */
  hostedZone?: { hostedZoneId: string; zoneName: string }
  /** ...or an existing certificate for both names, with DNS records kept by the team. */
  certificateArn?: string
  httpStage: apigwv2.HttpStage
  webSocketStage: apigwv2.WebSocketStage
}

export class ApiDomains extends Construct {
  readonly httpDomain: apigwv2.DomainName
  readonly webSocketDomain: apigwv2.DomainName

  constructor(scope: Construct, id: string, props: ApiDomainsProps) {
    super(scope, id)
    // Built from attributes, never looked up, so synth needs no AWS account.
    const zone = props.hostedZone
      ? route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', props.hostedZone)
      : undefined
    const certificateFor = (name: string, certificateId: string): acm.ICertificate =>
      props.certificateArn
        ? acm.Certificate.fromCertificateArn(this, certificateId, props.certificateArn)
        : new acm.Certificate(this, certificateId, {
            domainName: name,
            validation: acm.CertificateValidation.fromDns(zone),
          })

    const httpName = `api.${props.domainName}`
    const webSocketName = `ws.${props.domainName}`
    this.httpDomain = new apigwv2.DomainName(this, 'HttpDomain', {
      domainName: httpName,
      certificate: certificateFor(httpName, 'HttpCertificate'),
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    })
    this.webSocketDomain = new apigwv2.DomainName(this, 'WebSocketDomain', {
      domainName: webSocketName,
      certificate: certificateFor(webSocketName, 'WebSocketCertificate'),
      securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
    })
    new apigwv2.ApiMapping(this, 'HttpMapping', {
      api: props.httpStage.api,
      domainName: this.httpDomain,
      stage: props.httpStage,
    })
    new apigwv2.ApiMapping(this, 'WebSocketMapping', {
      api: props.webSocketStage.api,
      domainName: this.webSocketDomain,
      stage: props.webSocketStage,
    })

    if (zone) {
      for (const [recordId, name, domain] of [
        ['HttpRecord', httpName, this.httpDomain],
        ['WebSocketRecord', webSocketName, this.webSocketDomain],
      ] as const) {
        new route53.ARecord(this, recordId, {
          zone,
          recordName: name,
          target: route53.RecordTarget.fromAlias(
            new route53Targets.ApiGatewayv2DomainProperties(
              domain.regionalDomainName,
              domain.regionalHostedZoneId,
            ),
          ),
        })
      }
    }
  }
}
