// HTTP API route selection: `METHOD /path/{param}` routes, the most specific match wins, `{name+}` is greedy.

type Segment = { literal: string } | { param: string } | { greedy: string }

export interface MatchedRoute {
  routeKey: string
  function: string
  pathParameters: Record<string, string>
}

interface CompiledRoute {
  method: string
  routeKey: string
  function: string
  segments: Segment[]
}

function compile(route: { method: string; path: string; function: string }): CompiledRoute {
  const segments = route.path
    .split('/')
    .slice(1)
    .map((part): Segment => {
      const param = /^\{([^}+]+)(\+)?\}$/.exec(part)
      if (!param?.[1]) return { literal: part }
      return param[2] ? { greedy: param[1] } : { param: param[1] }
    })
  return {
    method: route.method,
    routeKey: `${route.method} ${route.path}`,
    function: route.function,
    segments,
  }
}

const decode = (raw: string) => {
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

function bind(route: CompiledRoute, parts: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {}
  for (const [index, segment] of route.segments.entries()) {
    const part = parts[index]
    if (part === undefined) return undefined
    if ('greedy' in segment) {
      const rest = parts.slice(index).join('/')
      if (rest === '') return undefined
      parameters[segment.greedy] = decode(rest)
      return parameters
    }
    if ('literal' in segment) {
      if (decode(part) !== segment.literal) return undefined
    } else {
      if (part === '') return undefined
      parameters[segment.param] = decode(part)
    }
  }
  return parts.length === route.segments.length ? parameters : undefined
}

const weight = (segment: Segment | undefined) =>
  segment === undefined ? 3 : 'literal' in segment ? 0 : 'param' in segment ? 1 : 2

/** Negative when `a` is the more specific: literal beats `{param}` beats `{proxy+}`, from the left. */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  for (let index = 0; index < Math.max(a.segments.length, b.segments.length); index++) {
    const difference = weight(a.segments[index]) - weight(b.segments[index])
    if (difference !== 0) return difference
  }
  return 0
}

export function httpRouter(routes: readonly { method: string; path: string; function: string }[]) {
  const compiled = routes.map(compile).sort(bySpecificity)
  return (method: string, rawPath: string): MatchedRoute | undefined => {
    const parts = rawPath.split('/').slice(1)
    for (const route of compiled) {
      if (route.method !== method) continue
      const pathParameters = bind(route, parts)
      if (pathParameters) return { routeKey: route.routeKey, function: route.function, pathParameters }
    }
    return undefined
  }
}
