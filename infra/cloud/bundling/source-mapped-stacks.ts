// Injected first into every function bundle: stack traces name the TypeScript source, read through the bundle's
// source map when a stack is first formatted. Node's --enable-source-maps did that by reading and indexing the map,
// and measuring every line of the bundle, while each function started: 20-40 ms of every cold start.
import { readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'

// After bundling, the bundle's own URL: the file every frame of our code and its dependencies is in.
const bundleUrl = import.meta.url
let map: SourceMap | null | undefined

function bundleMap(): SourceMap | null {
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(new URL(`${bundleUrl}.map`), 'utf8')))
    } catch {
      // No map beside the bundle (or an unreadable one): frames keep their bundle positions.
      map = null
    }
  }
  return map
}

/** One frame as V8 writes it, its bundle position replaced by the original one when the map has it. */
export function mappedFrame(frame: NodeJS.CallSite): string {
  const text = frame.toString()
  const line = frame.getLineNumber()
  const column = frame.getColumnNumber()
  if (frame.getFileName() !== bundleUrl || line === null || column === null) return text
  const entry = bundleMap()?.findEntry(line - 1, column - 1)
  if (!entry || !('originalSource' in entry)) return text
  // Sources are relative to the directory the bundle was built in: what is left names a repository file.
  const source = entry.originalSource.replace(/^(\.\.?\/)+/, '')
  const original = `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`
  return text.replace(`${bundleUrl}:${line}:${column}`, original)
}

Error.prepareStackTrace = (error, frames) => {
  const header = error instanceof Error ? Error.prototype.toString.call(error) : String(error)
  return [header, ...frames.map((frame) => `    at ${mappedFrame(frame)}`)].join('\n')
}
