// Invokes a stage's operator function (create-admin) through the Lambda API: the deployed one with the
// operator's AWS credentials, or the local runtime's (AWS_ENDPOINT_URL_LAMBDA) through the same SDK call.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda'
import { operatorFunctionName } from '../cloud/chat-function.ts'

export class OperatorInvokeError extends Error {
  override readonly name = 'OperatorInvokeError'
}

export async function invokeOperatorFunction<T>(
  lambda: LambdaClient,
  stageName: string,
  name: string,
  payload: unknown,
): Promise<T> {
  const result = await lambda.send(
    new InvokeCommand({
      FunctionName: operatorFunctionName(stageName, name),
      Payload: Buffer.from(JSON.stringify(payload)),
    }),
  )
  const body = result.Payload ? JSON.parse(Buffer.from(result.Payload).toString('utf8')) : null
  if (result.FunctionError) {
    const failure = body as { errorType?: string; errorMessage?: string } | null
    throw new OperatorInvokeError(
      `${failure?.errorType ?? 'Error'}: ${failure?.errorMessage ?? 'the function failed'}`,
    )
  }
  return body as T
}
