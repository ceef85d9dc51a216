// Kept for habit: the generated documents are all written by scripts/gen-docs.ts.
import './gen-docs.ts';
