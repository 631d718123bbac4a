// `npm run bench`: measures and prints; asserts nothing. Numbers go into issue notes and the README.
import { coldStart } from './cold-start.ts'
import { gatewayRoundTrips } from './gateway.ts'

console.log('Cold start (bundled as deployed; module load in a fresh Node process, median of 5)')
console.table(await coldStart())
console.log('Through the local gateway, sequential, after one warm-up call')
console.table(await gatewayRoundTrips())
process.exit(0)
