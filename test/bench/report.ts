// The bench's rows, side by side with the ratio and the target each is held to, as a markdown table.

export type Value = number | string | undefined

export interface Row {
  figure: string
  unit: string
  bare: Value
  service: Value
  /** How many times worse the service does: service ÷ bare, or bare ÷ service for a rate. */
  ratio?: number
  target?: string
  met?: boolean
}

export interface Section {
  name: string
  title: string
  rows: Row[]
  notes: string[]
}

export interface Goal {
  target: string
  met: (service: number, ratio: number | undefined) => boolean
}

/** A figure both servers have; the ratio says how many times worse the service does. */
export function compared(
  figure: string,
  unit: string,
  bare: number | undefined,
  service: number | undefined,
  options: { higherIsBetter?: boolean; goal?: Goal } = {},
): Row {
  const known =
    bare !== undefined && service !== undefined && Number.isFinite(bare) && Number.isFinite(service)
  const ratio = known ? (options.higherIsBetter ? bare / service : service / bare) : undefined
  return {
    figure,
    unit,
    bare,
    service,
    ...(ratio !== undefined && Number.isFinite(ratio) && { ratio }),
    ...goalOf(options.goal, service, ratio),
  }
}

/** A figure only the service has (its stores, its bundles), or one whose comparison is the service's own. */
export function serviceOnly(figure: string, unit: string, service: Value, goal?: Goal, bare?: Value): Row {
  return { figure, unit, bare, service, ...goalOf(goal, typeof service === 'number' ? service : undefined) }
}

function goalOf(goal: Goal | undefined, service: number | undefined, ratio?: number) {
  if (!goal) return {}
  const met = service !== undefined && Number.isFinite(service) ? goal.met(service, ratio) : false
  return { target: goal.target, met }
}

export const within = (times: number): Goal => ({
  target: `≤ ${times}× bare`,
  met: (_, ratio) => ratio !== undefined && ratio <= times,
})
export const under = (limit: number, unit: string): Goal => ({
  target: `< ${limit.toLocaleString('en-US')} ${unit}`,
  met: (service) => service < limit,
})
export const atLeast = (limit: number, unit: string): Goal => ({
  target: `≥ ${limit.toLocaleString('en-US')} ${unit}`,
  met: (service) => service >= limit,
})
export const atMost = (limit: number, unit = ''): Goal => ({
  target: `≤ ${limit}${unit}`,
  met: (service) => service <= limit,
})

/** Three significant figures at most, thousands separated: 0.31, 4.7, 139, 10,412. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '—'
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2
  return value.toLocaleString('en-US', { maximumFractionDigits: digits })
}

function cell(value: Value, unit: string): string {
  if (value === undefined) return '—'
  if (typeof value === 'string') return value
  if (!unit) return formatNumber(value)
  return unit === '×' ? `${formatNumber(value)}×` : `${formatNumber(value)} ${unit}`
}

const escapePipes = (text: string) => text.replaceAll('|', '\\|')

export function table(header: string[], lines: string[][]): string {
  const row = (cells: string[]) => `| ${cells.map(escapePipes).join(' | ')} |`
  return [row(header), row(header.map(() => '---')), ...lines.map(row)].join('\n')
}

export function sectionTable(sections: readonly Section[]): string {
  const lines = sections.flatMap((section) =>
    section.rows.map((row) => [
      row.figure,
      cell(row.bare, row.unit),
      cell(row.service, row.unit),
      row.ratio === undefined ? '' : `${formatNumber(row.ratio)}×`,
      row.target ?? '',
      row.met === undefined ? '' : row.met ? 'yes' : '**no**',
    ]),
  )
  return table(['figure', 'bare ws', 'Chat-Service', 'ratio', 'target', 'met'], lines)
}
