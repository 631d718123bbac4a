// Points every test file at the stores the global setup started.
import { inject } from 'vitest'

Object.assign(process.env, inject('storeEnv'))
