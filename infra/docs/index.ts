// The API documents, by file name in docs/, as npm run docs writes them and npm run dev serves them.
import { asyncApiDocument } from './asyncapi.ts'
import { openApiDocument } from './openapi.ts'
import { referenceMarkdown } from './reference.ts'

export const documents = {
  'openapi.json': openApiDocument,
  'asyncapi.json': asyncApiDocument,
} as const

export const documentText = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`

/** Every file npm run docs writes under docs/, with its text. */
export const generatedFiles = (): Record<string, string> => ({
  'openapi.json': documentText(openApiDocument()),
  'asyncapi.json': documentText(asyncApiDocument()),
  'protocol.md': referenceMarkdown(),
})
