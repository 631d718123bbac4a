// Validates JSON against the schemas of the committed API documents (docs/openapi.json, docs/asyncapi.json).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { repositoryRoot } from '../../../infra/local/gateway/table.ts'

/** A committed document, read as the shape the caller looks at. */
export const committed = <T>(name: string): T =>
  JSON.parse(readFileSync(join(repositoryRoot, 'docs', name), 'utf8')) as T

/** A JSON pointer segment: `/` and `~` escaped. */
const segment = (text: string) => text.replaceAll('~', '~0').replaceAll('/', '~1')

export function documentValidator() {
  // Not strict: the documents hold OpenAPI and AsyncAPI keywords (example, summary) beside JSON Schema's.
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats.default(ajv)
  const openapi = committed<{
    paths: Record<
      string,
      Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
    >
  }>('openapi.json')
  ajv.addSchema(openapi, 'openapi')
  const asyncapi = committed<{ components: { messages: Record<string, { name: string }> } }>('asyncapi.json')
  ajv.addSchema(asyncapi, 'asyncapi')
  const check = (ref: string, value: unknown) => {
    const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref })
    return validate(value)
      ? []
      : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`)
  }
  return {
    /** Problems of an HTTP answer against its operation's documented response ([] when it conforms). */
    response(path: string, method: string, status: number, body: unknown): string[] {
      const operation = openapi.paths[path]?.[method.toLowerCase()]
      const response = operation?.responses[String(status)]
      if (!response) return [`${method} ${path} documents no ${status}`]
      const [type] = Object.keys(response.content ?? {})
      if (!type) return body === undefined ? [] : [`${status} is documented without a body`]
      const pointer = `/paths/${segment(path)}/${method.toLowerCase()}/responses/${status}/content/${segment(type)}/schema`
      return check(`openapi#${pointer}`, body)
    },
    /** Problems of a server frame against the payload of the AsyncAPI message named by its type. */
    frame(frame: { type: string }): string[] {
      // Frames are keyed apart from the actions they may share a name with (typing): `typingFrame`.
      const entry = Object.entries(asyncapi.components.messages).find(
        ([key, message]) => key.endsWith('Frame') && message.name === frame.type,
      )
      if (!entry) return [`no message named ${frame.type}`]
      return check(`asyncapi#/components/messages/${segment(entry[0])}/payload`, frame)
    },
  }
}
