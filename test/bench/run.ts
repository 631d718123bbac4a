// `npm run bench`: measures and prints; asserts nothing. Numbers go into issue notes and the README.
import { coldStart } from './cold-start.ts'
import { gatewayRoundTrips } from './gateway.ts'
import { messagingDelivery } from './messaging.ts'
import { passwordHashTimes } from './password-hash.ts'

console.log('Argon2id hash at the service parameters (m 19 MiB, t 2, p 1), one at a time, in ms')
console.table(await passwordHashTimes())
console.log('Cold start (bundled as deployed; module load in a fresh Node process, median of 5)')
console.table(await coldStart())
console.log('Through the local gateway, sequential, after one warm-up call')
console.table(await gatewayRoundTrips())
console.log('Messages through the local gateway, 100 users connected (latency from send to frame, in ms)')
console.table(await messagingDelivery())
process.exit(0)
