// The protocol reference, read from the two API documents: docs/protocol.md, and the page npm run dev serves.
import { asyncApiDocument } from './asyncapi.ts'
import { openApiDocument } from './openapi.ts'

type Block =
  | { heading: string; level: 2 | 3 | 4 }
  | { text: string }
  | { table: string[][] }
  | { code: string }

interface Schema {
  $ref?: string
  type?: string | string[]
  format?: string
  enum?: unknown[]
  const?: unknown
  items?: Schema
  properties?: Record<string, Schema>
  required?: string[]
  anyOf?: Schema[]
  oneOf?: Schema[]
  description?: string
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  maxItems?: number
  pattern?: string
  default?: unknown
  additionalProperties?: Schema | boolean
}

const refName = (ref: string) => ref.split('/').at(-1) ?? ref

/** A schema in a few words: `Message`, `string (uuid)`, `"start" | "stop"`, `Message[]`. */
function typeOf(schema: Schema | undefined): string {
  if (!schema) return 'any'
  if (schema.$ref) return refName(schema.$ref)
  if (schema.const !== undefined) return JSON.stringify(schema.const)
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ')
  const union = schema.anyOf ?? schema.oneOf
  if (union) return union.map(typeOf).join(' | ')
  if (schema.type === 'array') return `${typeOf(schema.items)}[]`
  if (schema.type === 'object' && !schema.properties) return 'object'
  if (schema.type === 'object') return `{ ${Object.keys(schema.properties ?? {}).join(', ')} }`
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any')
  return schema.format ? `${type} (${schema.format})` : type
}

/** Limits worth a reader's eye. */
function notesOf(schema: Schema): string {
  const notes: string[] = []
  if (schema.minLength !== undefined) notes.push(`min ${schema.minLength} chars`)
  if (schema.maxLength !== undefined) notes.push(`max ${schema.maxLength} chars`)
  if (schema.minimum !== undefined) notes.push(`≥ ${schema.minimum}`)
  if (schema.maximum !== undefined) notes.push(`≤ ${schema.maximum}`)
  if (schema.maxItems !== undefined) notes.push(`at most ${schema.maxItems} items`)
  if (schema.default !== undefined) notes.push(`default ${JSON.stringify(schema.default)}`)
  if (schema.description) notes.push(schema.description)
  return notes.join('; ')
}

function propertyTable(schema: Schema): Block[] {
  const variants = schema.anyOf ?? schema.oneOf
  if (variants?.every((variant) => variant.properties))
    return variants.flatMap((variant, i) => [{ text: `Variant ${i + 1}:` }, ...propertyTable(variant)])
  if (!schema.properties) return [{ text: `Type: ${typeOf(schema)}` }]
  const required = new Set(schema.required ?? [])
  const rows = Object.entries(schema.properties).map(([name, property]) => [
    name,
    typeOf(property),
    required.has(name) ? 'yes' : 'no',
    notesOf(property),
  ])
  return [{ table: [['field', 'type', 'required', 'notes'], ...rows] }]
}

interface Operation {
  summary: string
  tags: string[]
  security: unknown[]
  parameters?: { name: string; in: string; required?: boolean; schema: Schema }[]
  requestBody?: { content: Record<string, { schema: Schema }> }
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>
}

function httpBlocks(): Block[] {
  const document = openApiDocument() as unknown as {
    paths: Record<string, Record<string, Operation>>
    components: { schemas: Record<string, Schema> }
  }
  const blocks: Block[] = [
    { heading: 'HTTP API', level: 2 },
    {
      text:
        'JSON in and out; `Authorization: Bearer <accessToken>` on every route but /health and /auth/*. ' +
        'Every error is a Problem document (application/problem+json); 400 names each field in `errors`. ' +
        'Lists are pages: `items` and `nextCursor`, sent back as `cursor` for the next page.',
    },
  ]
  for (const [path, methods] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(methods)) {
      blocks.push({ heading: `${method.toUpperCase()} ${path}`, level: 3 }, { text: operation.summary })
      const rows = (operation.parameters ?? []).map((parameter) => [
        parameter.name,
        parameter.in,
        typeOf(parameter.schema),
        parameter.required ? 'yes' : 'no',
      ])
      if (rows.length > 0) blocks.push({ table: [['parameter', 'in', 'type', 'required'], ...rows] })
      const body = operation.requestBody?.content['application/json']?.schema
      if (body) blocks.push({ text: `Body: ${typeOf(body)}` })
      const answers = Object.entries(operation.responses).map(([status, response]) => {
        const content = Object.values(response.content ?? {})[0]
        return [status, content ? typeOf(content.schema) : '(none)', response.description]
      })
      blocks.push({ table: [['status', 'body', 'meaning'], ...answers] })
      if (operation.security.length === 0) blocks.push({ text: 'No access token needed.' })
    }
  blocks.push({ heading: 'HTTP schemas', level: 2 })
  for (const [name, schema] of Object.entries(document.components.schemas))
    blocks.push({ heading: name, level: 3 }, ...propertyTable(schema))
  return blocks
}

function webSocketBlocks(): Block[] {
  const document = asyncApiDocument()
  const messages = document.components.messages as Record<
    string,
    { name: string; summary: string; payload: Schema; examples: { payload: unknown }[] }
  >
  const schemas = document.components.schemas as Record<string, Schema>
  const blocks: Block[] = [
    { heading: 'WebSocket API', level: 2 },
    { text: document.info.description },
    { text: 'Connect: `ws(s)://<host>/?token=<accessToken>`.' },
  ]
  const direction = (kind: 'receive' | 'send') =>
    Object.values(document.operations as Record<string, { action: string; messages: { $ref: string }[] }>)
      .filter((operation) => operation.action === kind)
      .flatMap((operation) => operation.messages.map((message) => refName(message.$ref)))
  for (const [title, keys] of [
    ['Actions (client to server)', direction('receive')],
    ['Frames (server to client)', direction('send')],
  ] as const) {
    blocks.push({ heading: title, level: 3 })
    for (const key of keys) {
      const message = messages[key]
      if (!message) continue
      const payload = message.payload.$ref ? schemas[refName(message.payload.$ref)] : message.payload
      blocks.push(
        { heading: message.name, level: 4 },
        { text: message.summary },
        ...propertyTable(payload ?? {}),
        { code: JSON.stringify(message.examples[0]?.payload, null, 2) },
      )
    }
  }
  return blocks
}

const intro: Block[] = [
  {
    text:
      'Generated by `npm run docs` from the zod schemas in lib/protocol (docs/openapi.json and ' +
      'docs/asyncapi.json are the machine-readable forms). Do not edit by hand.',
  },
]

const allBlocks = () => [...intro, ...webSocketBlocks(), ...httpBlocks()]

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ')

export function referenceMarkdown(): string {
  const lines = ['# Chat-Service protocol reference', '']
  for (const block of allBlocks()) {
    if ('heading' in block) lines.push(`${'#'.repeat(block.level)} ${block.heading}`, '')
    else if ('text' in block) lines.push(block.text, '')
    else if ('code' in block) lines.push('```json', block.code, '```', '')
    else {
      const [head = [], ...rows] = block.table
      lines.push(`| ${head.map(cell).join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`)
      for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`)
      lines.push('')
    }
  }
  return `${lines.join('\n').trimEnd()}\n`
}

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
/** `code` spans of the text as <code>. */
const inline = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>')

export function referencePage(): string {
  const body = allBlocks().map((block) => {
    if ('heading' in block) {
      const id = block.heading.toLowerCase().replace(/[^a-z0-9]+/g, '-')
      return `<h${block.level} id="${id}">${escapeHtml(block.heading)}</h${block.level}>`
    }
    if ('text' in block) return `<p>${inline(block.text)}</p>`
    if ('code' in block) return `<pre><code>${escapeHtml(block.code)}</code></pre>`
    const [head = [], ...rows] = block.table
    const row = (cells: string[], tag: string) =>
      `<tr>${cells.map((c) => `<${tag}>${inline(c)}</${tag}>`).join('')}</tr>`
    return `<table><thead>${row(head, 'th')}</thead><tbody>${rows.map((r) => row(r, 'td')).join('')}</tbody></table>`
  })
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chat-Service protocol reference</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem; color: #1a1a1a; }
h2 { border-bottom: 2px solid #333; margin-top: 2.5rem; } h3 { margin-top: 2rem; } h4 { margin-bottom: 0.25rem; }
table { border-collapse: collapse; margin: 0.5rem 0; } th, td { border: 1px solid #999; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
code, pre { font-family: ui-monospace, monospace; background: #f2f2f2; } pre { padding: 0.5rem; overflow-x: auto; }
a { color: #0645ad; }
</style></head><body>
<h1>Chat-Service protocol reference</h1>
<p>Machine-readable: <a href="/openapi.json">openapi.json</a> (HTTP, OpenAPI 3.1) and <a href="/asyncapi.json">asyncapi.json</a> (WebSocket, AsyncAPI 3.0).</p>
${body.join('\n')}
</body></html>
`
}
