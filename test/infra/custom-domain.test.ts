import { Match, type Template } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { removeSynthOutputs, synth } from './synth.ts'

afterAll(removeSynthOutputs)

const domain = { domainName: 'chat.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' }

describe('without a domain', () => {
  test('no certificate, domain name or record is made', () => {
    const template = synth({ stage: 'prod' }).statelessTemplate
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0)
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0)
    template.resourceCountIs('AWS::Route53::RecordSet', 0)
  })
})

describe('with a domain and its hosted zone', () => {
  let template: Template
  beforeAll(() => {
    template = synth({ stage: 'prod', settings: domain }).statelessTemplate
  })

  test.each(['api', 'ws'])('%s.<domain> gets a DNS-validated certificate in the zone', (name) => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: `${name}.chat.example.com`,
      ValidationMethod: 'DNS',
      DomainValidationOptions: [
        { DomainName: `${name}.chat.example.com`, HostedZoneId: domain.hostedZoneId },
      ],
    })
  })

  test.each(['api', 'ws'])(
    '%s.<domain> is an API Gateway domain name on TLS 1.2 with an alias record',
    (name) => {
      template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: `${name}.chat.example.com`,
        DomainNameConfigurations: [Match.objectLike({ SecurityPolicy: 'TLS_1_2', EndpointType: 'REGIONAL' })],
      })
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${name}.chat.example.com.`,
        Type: 'A',
        HostedZoneId: domain.hostedZoneId,
        AliasTarget: Match.objectLike({
          DNSName: { 'Fn::GetAtt': [Match.anyValue(), 'RegionalDomainName'] },
        }),
      })
    },
  )

  test('each API is mapped to its name, the WebSocket API at its stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: { Ref: Match.stringLikeRegexp('^HttpApi') },
      DomainName: { Ref: Match.stringLikeRegexp('HttpDomain') },
      Stage: '$default',
    })
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: { Ref: Match.stringLikeRegexp('^WebSocketApi') },
      DomainName: { Ref: Match.stringLikeRegexp('WebSocketDomain') },
      Stage: 'prod',
    })
  })

  test('the outputs give the custom HTTPS and WSS URLs', () => {
    template.hasOutput('HttpApiUrl', {
      Value: { 'Fn::Join': ['', ['https://', { Ref: Match.stringLikeRegexp('HttpDomain') }]] },
    })
    template.hasOutput('WebSocketUrl', {
      Value: { 'Fn::Join': ['', ['wss://', { Ref: Match.stringLikeRegexp('WebSocketDomain') }]] },
    })
  })
})

describe('with a domain and an existing certificate', () => {
  test('the certificate is used as given and no DNS record is made', () => {
    const certificateArn =
      'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555'
    const template = synth({
      stage: 'prod',
      settings: { domainName: 'chat.example.com', certificateArn },
    }).statelessTemplate
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0)
    template.resourceCountIs('AWS::Route53::RecordSet', 0)
    template.allResourcesProperties('AWS::ApiGatewayV2::DomainName', {
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: certificateArn })],
    })
    expect(Object.keys(template.findOutputs('CustomDomainTargets'))).toHaveLength(1)
  })
})
