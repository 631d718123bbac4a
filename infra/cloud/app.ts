// The CDK app: one stage (`-c stage=<name>`, settings in cdk.json) as a stateful and a stateless stack.
import { App } from 'aws-cdk-lib'
import { chatService } from './service.ts'
import { stageConfig } from './stage-config.ts'

const app = new App()
const context = (name: string) => app.node.tryGetContext(name)
// The alarm address may come with the deploy (`-c alarmEmail=...`) rather than be committed in cdk.json.
chatService(
  app,
  stageConfig(context('stages'), context('stage') ?? 'dev', { alarmEmail: context('alarmEmail') }),
)
app.synth()
