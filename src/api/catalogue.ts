/**
 * The assignments this server grades: their definitions (checks, GPU flag) come from
 * graders/, their deadlines and limits from the store, where an instructor sets them.
 * A definition's row is created on first use and its version kept current, without
 * touching the policy an instructor set.
 */
import { GraderError, coerceError } from '../errors.js';
import type { AssignmentDefinition } from '../grading/assignment.js';
import { maxScoreOf as maxScoreOfChecks } from '../grading/score.js';
import { assignmentVersion } from '../grading/version.js';
import type { Assignment } from '../store/rows.js';
import type { AssignmentInput } from '../store/store.js';
import { HttpError } from './http-error.js';

/** The store calls the catalogue makes (`Store` fits). */
export interface AssignmentStore {
  getAssignment(id: string): Promise<Assignment | undefined>;
  upsertAssignment(input: AssignmentInput): Promise<Assignment>;
}

export interface CatalogueEntry {
  definition: AssignmentDefinition;
  row: Assignment;
}

export class AssignmentCatalogue {
  private readonly byId: ReadonlyMap<string, AssignmentDefinition>;
  /** Ids whose row this process has checked against the definition's version. */
  private readonly synced = new Set<string>();

  constructor(
    readonly definitions: readonly AssignmentDefinition[],
    private readonly store: AssignmentStore,
  ) {
    this.byId = new Map(definitions.map((d) => [d.id, d]));
  }

  /** The definition, or 404 naming the known ids. */
  definition(id: string): AssignmentDefinition {
    const found = this.byId.get(id);
    if (found === undefined) {
      const known = this.definitions.map((d) => d.id).join(', ');
      throw new HttpError(404, 'UNKNOWN_ASSIGNMENT', `there is no assignment "${id}"; known assignments: ${known}`);
    }
    return found;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Definition and current row (deadline, late policy, limit), creating the row if needed. */
  async get(id: string): Promise<CatalogueEntry> {
    const definition = this.definition(id);
    return { definition, row: await this.row(definition) };
  }

  private async row(definition: AssignmentDefinition): Promise<Assignment> {
    const existing = await this.store.getAssignment(definition.id);
    if (existing !== undefined && this.synced.has(definition.id)) return existing;
    const version = versionOf(definition);
    const row =
      existing === undefined
        ? await this.store.upsertAssignment({
            id: definition.id,
            version,
            title: definition.title,
            dueAt: definition.dueAt === undefined ? null : new Date(definition.dueAt),
          })
        : existing.version !== version || existing.title !== definition.title
          ? // The grader changed: record its new version, keeping the policy the instructor set.
            await this.store.upsertAssignment({
              id: definition.id,
              version,
              title: definition.title,
              dueAt: existing.dueAt,
              latePolicy: existing.latePolicy,
              maxSubmissionsPerHour: existing.maxSubmissionsPerHour,
            })
          : existing;
    this.synced.add(definition.id);
    return row;
  }
}

function versionOf(definition: AssignmentDefinition): string {
  try {
    return assignmentVersion(definition);
  } catch (e) {
    throw new GraderError(
      'BAD_ASSIGNMENT',
      `assignment ${definition.id} cannot be versioned (is its starter notebook ${definition.starterPath ?? '(none)'} missing?): ${coerceError(e).message}`,
      { cause: e },
    );
  }
}

export function maxScoreOf(definition: AssignmentDefinition): number {
  return maxScoreOfChecks(definition.checks);
}
