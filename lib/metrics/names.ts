// Where delivery metrics are published and what they are called: shared by the emitting code and the dashboard.

export const deliveryMetrics = {
  namespace: 'ChatService',
  service: 'chat-service',
  names: {
    /** A message written to MongoDB (count). */
    messagesStored: 'MessagesStored',
    /** A frame posted to a live connection (count). */
    framesDelivered: 'FramesDelivered',
    /** A connection that answered 410 Gone and was removed (count). */
    goneConnections: 'GoneConnectionsRemoved',
    /** A post that failed for another reason (count). */
    failedPosts: 'FailedPosts',
    /** From a send reaching the function to its ack being posted (milliseconds). */
    sendToAck: 'SendToAckLatency',
    /** One fan-out, from the first lookup to the last post (milliseconds). */
    fanOut: 'FanOutDuration',
  },
} as const
