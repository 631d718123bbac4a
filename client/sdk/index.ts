// The Chat-Service client SDK for browsers and Node: typed HTTP calls and a WebSocket that survives reconnects.
import { HttpClient, type HttpClientOptions } from './http.ts'
import { ChatSocket, type ChatSocketOptions } from './socket.ts'

export { type Answer, ApiError, HttpClient, type Input, type Session } from './http.ts'
export { ChatSocket, type Events, type SendInput, type SocketLike } from './socket.ts'

export interface ChatClientOptions extends HttpClientOptions {
  /** The WebSocket API's URL, e.g. `ws://127.0.0.1:3001`. */
  wsUrl: string
  socket?: Omit<ChatSocketOptions, 'url' | 'http'>
}

/** One user's client: `http` for the routes, `socket` for real time; the socket renews the token through `http`. */
export function createChatClient(options: ChatClientOptions) {
  const http = new HttpClient(options)
  const socket = new ChatSocket({ ...options.socket, url: options.wsUrl, http })
  return { http, socket }
}
export type ChatClient = ReturnType<typeof createChatClient>
