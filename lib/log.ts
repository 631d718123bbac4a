// Structured JSON logs (Powertools); one logger per process, child loggers carry per-request keys.
import { Logger } from '@aws-lambda-powertools/logger'

export const logger = new Logger({ serviceName: 'chat-service' })
