import { checkDropColumn, checkDropTable, checkRename, checkTruncateCascade } from './breaking-change-rules';
import { checkColumnTypes } from './column-type-rules';
import { checkNotValidConstraint, checkUniqueConstraint, checkValidateInSameTransaction } from './constraint-rules';
import { checkEnumValuePosition } from './enum-rules';
import { checkIdentifierLength } from './identifier-rules';
import { checkIndexCreation, checkIndexDeletion, checkReindex } from './index-rules';
import { checkNotNullWithoutDefault, checkSetNotNull } from './not-null-rules';
import { checkTypeChange, checkVolatileDefault } from './rewrite-rules';
import type { StatementRule } from './rule-context';
import { checkRerunnable, checkTransactionControl } from './transaction-rules';

/** Every statement check, run in this order on each statement (findings are sorted by position afterwards). */
export const STATEMENT_RULES: readonly StatementRule[] = [
  checkIndexCreation,
  checkIndexDeletion,
  checkReindex,
  checkNotValidConstraint,
  checkValidateInSameTransaction,
  checkUniqueConstraint,
  checkSetNotNull,
  checkNotNullWithoutDefault,
  checkVolatileDefault,
  checkTypeChange,
  checkDropTable,
  checkDropColumn,
  checkRename,
  checkTruncateCascade,
  checkTransactionControl,
  checkRerunnable,
  checkColumnTypes,
  checkEnumValuePosition,
  checkIdentifierLength,
];
