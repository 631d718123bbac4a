// The uploads and notifications handlers beside auth, called as API Gateway would; users and files tests need.
import { createAuthHandler } from '../../../functions/http/auth.ts'
import { createNotificationsHandler } from '../../../functions/http/notifications.ts'
import { createUploadsHandler } from '../../../functions/http/uploads.ts'
import { mongoStoreDeps } from '../../../lib/http/mongo-deps.ts'
import type { PresignedUpload } from '../../../lib/uploads/presign.ts'
import { uploadStore } from '../../../lib/uploads/store.ts'
import { apiOver, type Call, newUser, signUp } from '../identity/api.ts'

export type { Call }

export function filesApi(): Call {
  return apiOver({
    auth: createAuthHandler(mongoStoreDeps),
    uploads: createUploadsHandler({ ...mongoStoreDeps, uploads: () => uploadStore() }),
    notifications: createNotificationsHandler(mongoStoreDeps),
  })
}

export interface Person {
  id: string
  token: string
}

export async function person(call: Call, prefix = 'files'): Promise<Person> {
  const { session } = await signUp(call, newUser(prefix))
  return { id: session.user.id, token: session.accessToken }
}

/** The first bytes of a real PNG (signature and IHDR header), padded to `size`. */
export function pngBytes(size = 64): Buffer {
  const head = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
  return Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length), 7)])
}

/** Asks for a presigned POST; throws unless the API grants one. */
export async function presign(
  call: Call,
  who: Person,
  file: { fileName: string; contentType: string; size: number },
): Promise<PresignedUpload> {
  const response = await call<PresignedUpload>({
    method: 'POST',
    path: '/uploads',
    token: who.token,
    body: file,
  })
  if (response.status !== 200)
    throw new Error(`presign failed: ${response.status} ${JSON.stringify(response.body)}`)
  return response.body
}

/** Uploads as a browser would: a multipart form with the returned fields first and the file last. */
export async function postFile(
  upload: PresignedUpload,
  bytes: Buffer,
  contentType: string,
): Promise<Response> {
  const form = new FormData()
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value)
  form.append('file', new Blob([new Uint8Array(bytes)], { type: contentType }), 'upload')
  return fetch(upload.url, { method: 'POST', body: form })
}

/** Presigns and uploads `bytes` for `who`; answers the key. */
export async function uploaded(
  call: Call,
  who: Person,
  bytes: Buffer,
  contentType: string,
  fileName = 'picture.png',
): Promise<string> {
  const upload = await presign(call, who, { fileName, contentType, size: bytes.length })
  const response = await postFile(upload, bytes, contentType)
  if (!response.ok) throw new Error(`upload failed: ${response.status} ${await response.text()}`)
  return upload.key
}

/** Matches the key a message stores for an attached upload: its pinned copy, with the checked ETag in it. */
export function pinnedFrom(uploadKey: string): RegExp {
  const [, owner, id, name] = /^uploads\/([^/]+)\/([^/]+)\/(.+)$/.exec(uploadKey) ?? []
  return new RegExp(`^attached/${owner}/${id}/[0-9a-f]{32}/${(name ?? '').replaceAll('.', '\\.')}$`)
}
