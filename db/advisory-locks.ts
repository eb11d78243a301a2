/**
 * The advisory lock spaces Baton takes per account, in one list so no two uses share a number by accident.
 * A lock is (space, hashtext(accountId)).
 */

/**
 * The intake's per-account lock (transaction-scoped): a submission to the account holds it until its
 * commit; a dedupe-key release and the retention's deletion of an account row take it too.
 */
export const INTAKE_LOCK_SPACE = 1_651_470_960;

/** The relay's per-account lock (session-scoped, on its own pool): one delivery per account at a time. */
export const RELAY_LOCK_SPACE = 1_651_470_959;
