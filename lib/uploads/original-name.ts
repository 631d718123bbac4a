// The name a user gave a file: kept as object metadata only, percent-encoded because S3 metadata is ASCII.

/** The presigned POST form field; S3 hands it back as metadata `original-name`. */
export const originalNameField = 'x-amz-meta-original-name'

export const encodeOriginalName = (name: string) => encodeURIComponent(name)

/** The given name, or `fallback` (the key's safe name) when the metadata is missing or not decodable. */
export function originalNameOf(metadata: Record<string, string> | undefined, fallback: string): string {
  const encoded = metadata?.['original-name']
  if (!encoded) return fallback
  try {
    return decodeURIComponent(encoded)
  } catch {
    return fallback
  }
}
