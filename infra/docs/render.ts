// How both documents render zod schemas: zod-openapi, with the noise of zod's own JSON Schema trimmed.
import type { CreateDocumentOptions } from 'zod-openapi'

const formatsThatSayIt = new Set(['uuid', 'date-time', 'email'])

/**
 * zod writes the regular expression it checks a uuid or a date-time with next to `format`, and bounds every
 * integer by ±2^53-1: both are true and unreadable, and `format` already says it.
 */
export const renderOptions: CreateDocumentOptions = {
  override: ({ jsonSchema }) => {
    const schema = jsonSchema as Record<string, unknown>
    if (typeof schema.format === 'string' && formatsThatSayIt.has(schema.format)) delete schema.pattern
    if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum
    if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum
  },
}
