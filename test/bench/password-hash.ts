// Argon2id hash time at the service's parameters on this machine's CPU: the figure Lambda memory is sized from.
import { hashPassword } from '../../lib/auth/passwords.ts'

/** The minimum stands for an uncontended core (a shared machine only ever adds time); the median shows the noise. */
export async function passwordHashTimes(runs = 30) {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await hashPassword(`a long passphrase number ${i}`)
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  const at = (q: number) =>
    Number((times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(1))
  return [{ runs, minMs: at(0), p50Ms: at(0.5), p90Ms: at(0.9), cpu: process.arch }]
}
