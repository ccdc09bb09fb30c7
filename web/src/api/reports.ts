// API.md "Views and reports": coverage, the pipeline by state, titles per year, assessment.
import { get } from './http'

export interface Coverage {
  as_of: string
  units: { unit: string; name: string; branches: number; filed: number; coverage: number }[]
  total: { branches: number; filed: number; coverage: number }
}
export interface Pipeline {
  units: { unit: string; name: string; by_state: Record<string, number> }[]
}
export interface Titles {
  year: number
  by_title: Record<string, number>
  by_org_type: Record<string, number>
  total: number
  nominations: number
}
export interface Assessment {
  year: number
  branches: { branch: string; branch_name: string; unit: string; state: string | null; title: string | null; filed_points: number; title_bonus: number; points: number }[]
  units: { unit: string; name: string; points: number; branches: number }[]
  next: string | null // the cursor of the next page of branches (API.md: limit, after)
}

export const coverage = (asOf?: string) => get<Coverage>('/v1/reports/coverage', { as_of: asOf })
export const pipeline = (asOf?: string) => get<Pipeline>('/v1/reports/pipeline', { as_of: asOf })
export const titles = (year: number) => get<Titles>('/v1/reports/titles', { year })
// A page of branch rows (every unit's sum with each page): a programme has thousands.
export const assessment = (year: number, after?: string) =>
  get<Assessment>('/v1/reports/assessment', { year, limit: 100, after })
