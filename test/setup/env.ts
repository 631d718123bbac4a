// Points every test file at the stores the global setup started.
import { inject } from 'vitest'
import { installAwsCallRecorder } from '../../infra/iam-check/record.ts'

Object.assign(process.env, inject('storeEnv'))
// Under `npm run check:iam`, before the test file imports any SDK module (see infra/iam-check/record.ts).
installAwsCallRecorder()
