/**
 * Registers the check kinds that ship with the grader. A module adding a kind registers
 * it here with one line, so every spec loader sees it.
 */
import { registerCheckKind } from './check-kinds.js';
import { distributionKind } from './kinds/distribution-kind.js';
import { MODEL_CHECK_KINDS } from './kinds/model-kinds.js';

registerCheckKind(distributionKind);
for (const kind of MODEL_CHECK_KINDS) registerCheckKind(kind);
