/**
 * Generated from the OpenAPI document (client/openapi.json) by openapi-typescript: do not edit.
 * `npm run generate:client` writes it again; `npm run lint:openapi` (in `npm test`) fails while it is stale.
 */
export interface paths {
    "/api/accounts/{accountId}/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit a task to an account
         * @description 202 means the task and its `queued` event are committed in the ledger (Postgres): it holds while Temporal or every worker is down, and `GET /api/tasks/{taskId}` answers at once. What the ledger would refuse is refused first: 409 `already_running`/`already_queued` for a live dedupeKey (details.taskId), 409 `task_id_taken`, 429 `queue_full`, 400 for values it cannot store (a NUL, a lone surrogate, nesting deeper than 32). `?wait=true` also hands the task to its account workflow and answers 201 with its position (202 with `live: false` when the workflow does not answer in time). An `Idempotency-Key` header makes retries address the same task (200 for a retry, 422 `idempotency_key_reused` for a different body).
         */
        post: operations["submitTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tasks/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit up to 1000 tasks across accounts
         * @description One ledger transaction for every valid item; each item is validated on its own, so the answer has a result or an error per index. 202 means the accepted items are committed. An `Idempotency-Key` makes a retried batch address the same tasks (422 `idempotency_key_reused` for a different body).
         */
        post: operations["submitTaskBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tasks/{taskId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A task, with position, waiting reason and expected start (eta) while queued */
        get: operations["getTask"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tasks, newest (or oldest) first, cursor paged; queued ones with position, waiting reason and expected start
         * @description Keyset paged: pass `nextCursor` back as `cursor` (with the same `order`). A queued task carries `position` in its account's queue (0 = next), `waitingReason` and `eta`, as `GET /api/tasks/{taskId}` does. `status=queued&order=oldest` is the waiting list across accounts; `waitingReason` narrows it to one reason.
         */
        get: operations["listTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tasks/{taskId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a queued task (it leaves the queue) or a running one (its activity is cancelled) */
        post: operations["cancelTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tasks/cleanup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Delete finished tasks, their events and idle accounts past taskRetentionDays now (also runs daily)
         * @description Live tasks (queued, running) are never deleted, nor accounts with a task, a suspension, a running cooldown or a submission being stored. Each batch is one short transaction; the request stops starting batches after `maxSeconds`.
         */
        post: operations["cleanupTasks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account-execution-states": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every tracked account, from the Postgres projection (paged)
         * @description What each account is doing as the ledger last recorded it (the account rows the workflows' activities write): state, running task, queue length, cooldown, breaker. The same rows as `/api/account-states` without their errors, so the cheaper read for paging through accounts or filtering them by state. For one account as its workflow sees it now, with the waiting list, use `/api/account-execution-states/{accountId}`.
         */
        get: operations["listAccountExecutionStates"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account-execution-states/{accountId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live state from the account workflow, with the waiting list; the projection (`live: false`) when no worker answers
         * @description Asks the account's workflow (a Temporal query) for its state now, with the waiting list: each queued task's position, reason and expected start (`live: true`). When no worker answers, the ledger's row (`live: false`). Use it to see what an account does right now; for why it is held back (its counters, breaker history and errors, from the ledger) use `/api/account-states/{accountId}`.
         */
        get: operations["getAccountExecutionState"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/waiting-tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Queued tasks grouped by account, with positions and reasons */
        get: operations["listWaitingTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/{accountId}/suspend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop taking tasks; the running one finishes */
        post: operations["suspendAccount"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/{accountId}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Take tasks again */
        post: operations["resumeAccount"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/{accountId}/cooldown": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start a manual cooldown */
        post: operations["startAccountCooldown"];
        /** End the cooldown now */
        delete: operations["endAccountCooldown"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account-states": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Execution state merged with error state for every tracked account (paged)
         * @description The account rows of `/api/account-execution-states`, each with its latest errors (`errors` of them): consecutive rate limits and failures, cooldown, breaker and its history, and the errors behind them. Use it to find the accounts in trouble. It reads the ledger only, never Temporal.
         */
        get: operations["listAccountStates"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/account-states/{accountId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One account: state, counters, cooldown, breaker history and its last 100 errors
         * @description The account's ledger row with its last 100 errors, to see why it is held back. It never asks the workflow: for the live state and the waiting list use `/api/account-execution-states/{accountId}`.
         */
        get: operations["getAccountState"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/{accountId}/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account's overrides of the backoff and queue settings */
        get: operations["getAccountSettings"];
        /** Replace the account's overrides */
        put: operations["replaceAccountSettings"];
        post?: never;
        /** Remove the overrides: the global settings apply */
        delete: operations["deleteAccountSettings"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/{accountId}/timeline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account's last tasks as queued and running stretches, with its cooldowns */
        get: operations["getAccountTimeline"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/dedupe-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Held dedupe keys: each with the queued or running task that holds it
         * @description In (accountId, dedupeKey) order, keyset paged: pass `nextCursor` back as `cursor`. A key released by an operator is not held.
         */
        get: operations["listDedupeKeys"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/{accountId}/dedupe-keys/{dedupeKey}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Force-release a dedupe key: its holder runs on, a new submission with the key is accepted
         * @description The holder keeps running (or waiting) and keeps the key in its record, but no longer holds it. The release is recorded in the task's events (`dedupe_released`, with who released it). Percent-encode the key in the path.
         */
        delete: operations["releaseDedupeKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/metrics/concurrency": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Accounts by state and the tasks the one-at-a-time rule holds back */
        get: operations["getConcurrencyMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/metrics/series": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tasks finished per step by outcome, and queued tasks over time (from the ledger)
         * @description Buckets are aligned to the step (from the Unix epoch), so a short window returns the same buckets a long one ends with. At most 360 buckets; the step is at least 10s and the window at most 24h.
         */
        get: operations["getMetricsSeries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Current settings, and where each comes from */
        get: operations["getSettings"];
        /** Change some settings: the values given are stored, `null` removes a stored one, the rest keep following their defaults */
        put: operations["updateSettings"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/interactions/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Interaction events, newest first, filtered, cursor paged */
        get: operations["listInteractionEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/interactions/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every matching interaction event as a CSV or JSON download, streamed
         * @description Same filters as the list. CSV is RFC 4180 (CRLF); cells starting with = + - @ tab or CR get a leading ' so spreadsheets do not run them.
         */
        get: operations["exportInteractionEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/interactions/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Which targets an account may engage with an action now, and when the others may be */
        post: operations["checkInteractions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/interactions/cleanup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Delete expired window rows and events past eventRetentionDays now (also runs daily) */
        post: operations["cleanupInteractions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tasks/{taskId}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A task's lifecycle as Server-Sent Events
         * @description Replays the task's events (SSE `id` = event id, `event` = type, `data` = a TaskEvent as JSON), then follows new ones and ends after the terminal one. `Last-Event-ID` (or `?lastEventId=`) resumes after that id.
         */
        get: operations["streamTaskEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Account state changes as Server-Sent Events (for the dashboard)
         * @description Each change of an account's state row is sent as `event: account` with the account as JSON. With `Last-Event-ID` (or `?lastEventId=`) the accounts changed since then are sent first (a few may repeat).
         */
        get: operations["streamAccountEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Tasks by status; interactions of the last 24 h by status, dedupe hit rate, latency p50/p95 by action; dedupe keys held and refused */
        get: operations["getDashboardMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness: Temporal, Postgres and a worker polling the task queue
         * @description One check at a time, its answer reused for 1000 ms. No key needed; the checks' detail and the figures only for a valid key when the server has API_KEYS.
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process answers */
        get: operations["getLiveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness (the same as /health)
         * @description One check at a time, its answer reused for 1000 ms. No key needed; the checks' detail and the figures only for a valid key when the server has API_KEYS.
         */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus text: request latency by route, event streams, the intake and relay, accounts by state, queued tasks, cooldowns, dedupe keys held and refused */
        get: operations["getPrometheusMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The dashboard: overview, accounts, tasks, interactions, settings (it asks for a key when the API needs one) */
        get: operations["getDashboard"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/app.js": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The dashboard's script (one ES module) */
        get: operations["getDashboardScript"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/app.css": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The dashboard's stylesheet */
        get: operations["getDashboardStyles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/assets/favicon.svg": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The dashboard's icon */
        get: operations["getDashboardIcon"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This OpenAPI 3.1 document */
        get: operations["getOpenApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document rendered (Swagger UI) */
        get: operations["getApiDocs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/execution-states": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every tracked account, from the Postgres projection (paged)
         * @deprecated
         * @description Deprecated: use `/api/account-execution-states` (the same answer). Under `/api/accounts/` an account id goes where this path has a fixed segment, so an account with that name could not be addressed.
         *
         *     What each account is doing as the ledger last recorded it (the account rows the workflows' activities write): state, running task, queue length, cooldown, breaker. The same rows as `/api/account-states` without their errors, so the cheaper read for paging through accounts or filtering them by state. For one account as its workflow sees it now, with the waiting list, use `/api/account-execution-states/{accountId}`.
         */
        get: operations["listAccountExecutionStatesLegacy"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/execution-states/{accountId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live state from the account workflow, with the waiting list; the projection (`live: false`) when no worker answers
         * @deprecated
         * @description Deprecated: use `/api/account-execution-states/{accountId}` (the same answer). Under `/api/accounts/` an account id goes where this path has a fixed segment, so an account with that name could not be addressed.
         *
         *     Asks the account's workflow (a Temporal query) for its state now, with the waiting list: each queued task's position, reason and expected start (`live: true`). When no worker answers, the ledger's row (`live: false`). Use it to see what an account does right now; for why it is held back (its counters, breaker history and errors, from the ledger) use `/api/account-states/{accountId}`.
         */
        get: operations["getAccountExecutionStateLegacy"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/waiting-tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Queued tasks grouped by account, with positions and reasons
         * @deprecated
         * @description Deprecated: use `/api/waiting-tasks` (the same answer). Under `/api/accounts/` an account id goes where this path has a fixed segment, so an account with that name could not be addressed.
         */
        get: operations["listWaitingTasksLegacy"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/states": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Execution state merged with error state for every tracked account (paged)
         * @deprecated
         * @description Deprecated: use `/api/account-states` (the same answer). Under `/api/accounts/` an account id goes where this path has a fixed segment, so an account with that name could not be addressed.
         *
         *     The account rows of `/api/account-execution-states`, each with its latest errors (`errors` of them): consecutive rate limits and failures, cooldown, breaker and its history, and the errors behind them. Use it to find the accounts in trouble. It reads the ledger only, never Temporal.
         */
        get: operations["listAccountStatesLegacy"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/accounts/states/{accountId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One account: state, counters, cooldown, breaker history and its last 100 errors
         * @deprecated
         * @description Deprecated: use `/api/account-states/{accountId}` (the same answer). Under `/api/accounts/` an account id goes where this path has a fixed segment, so an account with that name could not be addressed.
         *
         *     The account's ledger row with its last 100 errors, to see why it is held back. It never asks the workflow: for the live state and the waiting list use `/api/account-execution-states/{accountId}`.
         */
        get: operations["getAccountStateLegacy"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        SuspendRequest: {
            reason?: string;
        };
        CooldownRequest: {
            seconds: number;
            reason?: string;
        };
        TaskEvent: {
            /** @description The event id, also the SSE `id` (resume with Last-Event-ID) */
            id: number;
            taskId: string;
            accountId: string;
            /**
             * @description queued, started, progress, retry, dedupe_released (an operator released its dedupe key: data.dedupeKey, data.releasedBy), then the terminal one: succeeded, failed, cancelled, skipped or deduplicated. Also the SSE `event`
             * @example started
             */
            type: string;
            /** @description ISO 8601 */
            at: string;
            /** @description What the event carries (the attempt, an error, progress), or null */
            data: {
                [key: string]: unknown;
            } | null;
        };
        /** @description Sent as `event: error` when a stream stops after it started; reconnect with Last-Event-ID */
        StreamError: {
            /** @enum {string} */
            code: "stream_failed";
            message: string;
        };
        Error: {
            error: components["schemas"]["ErrorDetail"];
        };
        ErrorDetail: {
            /**
             * @description snake_case, stable: what clients branch on
             * @example validation_error
             */
            code: string;
            /** @description For people */
            message: string;
            /** @description More about the error, or null: the fields at fault (`[{path, message}]`), the task in the way (`{taskId}`), … */
            details: unknown;
        };
        SubmitAccepted: {
            taskId: string;
            accountId: string;
            status: string;
            position?: number | null;
            live?: boolean;
        };
        TaskSubmission: {
            /** @example sleep */
            type: string;
            /**
             * @example {
             *       "ms": 1000
             *     }
             */
            payload?: unknown;
            /**
             * @description Your own id for the task; generated when absent
             * @example 0b9c8a52-0f5e-4f7e-9d0c-8e5b1a4c2d11
             */
            taskId?: string;
            /** @description At most one live (queued or running) task per key */
            dedupeKey?: string;
            /** @description Higher runs first (default 0) */
            priority?: number;
            /**
             * Format: date-time
             * @description Do not start before this time
             */
            runAfter?: string;
        };
        BatchResult: {
            results: (components["schemas"]["BatchItemAccepted"] | components["schemas"]["BatchItemRefused"])[];
        };
        BatchItemAccepted: {
            index: number;
            taskId: string;
            accountId: string;
            status: string;
        };
        BatchItemRefused: {
            index: number;
            error: components["schemas"]["ErrorDetail"];
        };
        BatchRequest: {
            tasks: unknown[];
        };
        Task: {
            taskId: string;
            accountId: string;
            type: string;
            payload: unknown;
            status: components["schemas"]["TaskStatus"];
            position?: number;
            waitingReason?: components["schemas"]["WaitingReason"];
            /** @description While queued: when it should start (ISO 8601), an estimate from the recent durations of its account; absent when unknown */
            eta?: string;
            attempts: number;
            dedupeKey?: string;
            /** @description When an operator released its dedupe key: it no longer holds it */
            dedupeReleasedAt?: string;
            priority: number;
            runAfter?: string;
            createdAt: string;
            startedAt?: string;
            finishedAt?: string;
            result?: unknown;
            error?: {
                code: string;
                message: string;
            };
            duplicateOf?: string;
        };
        /** @enum {string} */
        TaskStatus: "queued" | "running" | "succeeded" | "failed" | "cancelled" | "skipped" | "deduplicated";
        /** @enum {string} */
        WaitingReason: "account_busy" | "account_cooldown" | "account_suspended" | "scheduled";
        TaskList: {
            items: components["schemas"]["Task"][];
            nextCursor: string | null;
        };
        CancelAccepted: {
            taskId: string;
            accountId: string;
            /** @enum {string} */
            status: "cancelled" | "cancel_requested";
        };
        TaskCleanupResult: {
            deleted: {
                /** @description Finished tasks (succeeded, failed, cancelled, skipped, deduplicated) */
                tasks: number;
                /** @description Their lifecycle events */
                taskEvents: number;
                /** @description Error history rows older than the period, and those of deleted accounts */
                accountErrors: number;
                /** @description Account rows idle past the period with no task left */
                accounts: number;
            };
            /**
             * Format: date-time
             * @description Rows older than this went (now − taskRetentionDays)
             */
            cutoff: string;
            /** @description False when maxSeconds ran out first: call again for the rest */
            done: boolean;
            /** @description Transactions it took */
            batches: number;
            /** @description The longest one transaction (so its locks) lasted, in ms */
            longestBatchMs: number;
            durationMs: number;
        };
        AccountStateList: {
            items: components["schemas"]["AccountExecutionState"][];
            nextCursor: string | null;
        };
        AccountExecutionState: {
            accountId: string;
            state: components["schemas"]["AccountState"];
            runningTaskId: string | null;
            runningTaskType?: string | null;
            runningSince?: string | null;
            queueLength: number;
            cooldownUntil: string | null;
            cooldownReason?: string | null;
            suspendedReason?: string | null;
            consecutiveRateLimits: number;
            consecutiveFailures?: number;
            breaker?: string;
            breakerHistory?: components["schemas"]["BreakerChange"][];
            updatedAt?: string;
            live?: boolean;
            waiting?: components["schemas"]["WaitingTask"][];
            temporalUiUrl?: string;
        };
        /** @enum {string} */
        AccountState: "AVAILABLE" | "RUNNING" | "COOLDOWN" | "SUSPENDED";
        BreakerChange: {
            at: string;
            from: string;
            to: string;
            reason: string;
        };
        WaitingTask: {
            taskId: string;
            type: string;
            position: number;
            waitingReason: components["schemas"]["WaitingReason"];
            enqueuedAt: string;
            priority?: number;
            runAfter?: string;
            eta?: string;
        };
        WaitingTasks: {
            /** @description Queued tasks in all */
            total: number;
            /** @description True when `limit` cut the list: `byAccount` holds fewer than `total` */
            truncated: boolean;
            byAccount: {
                [key: string]: components["schemas"]["WaitingTask"][];
            };
        };
        ControlAccepted: {
            accountId: string;
            /** @enum {string} */
            requested: "suspend" | "resume" | "cooldown" | "end_cooldown";
            /** @description Suspend only: whether Baton knew the account before. An unknown account is suspended all the same (its first task waits); its workflow completes once idle, and the suspension stays in the ledger. */
            accountKnown?: boolean;
        };
        AccountHealthList: {
            items: components["schemas"]["AccountHealth"][];
            nextCursor: string | null;
        };
        AccountHealth: {
            accountId: string;
            state: components["schemas"]["AccountState"];
            runningTaskId: string | null;
            runningTaskType?: string | null;
            runningSince?: string | null;
            queueLength: number;
            cooldownUntil: string | null;
            cooldownReason?: string | null;
            suspendedReason?: string | null;
            consecutiveRateLimits: number;
            consecutiveFailures?: number;
            breaker?: string;
            breakerHistory?: components["schemas"]["BreakerChange"][];
            updatedAt?: string;
            live?: boolean;
            waiting?: components["schemas"]["WaitingTask"][];
            temporalUiUrl?: string;
            errors: components["schemas"]["AccountError"][];
        };
        AccountError: {
            at: string;
            taskId: string;
            kind: string;
            code: string;
            message: string;
        };
        AccountOverridesAnswer: {
            accountId: string;
            overrides: components["schemas"]["AccountOverrides"];
        };
        AccountOverrides: {
            /** @description Cooldown after the 1st, 2nd, ... consecutive rate limit, in seconds (the last repeats) */
            rateLimitBackoffSeconds?: number[];
            /** @description Jitter applied to every cooldown, as a fraction (0.25 = ±25 %) */
            backoffJitter?: number;
            /** @description After this many consecutive rate limits the long cooldown applies */
            cooldownAfterConsecutiveRateLimits?: number;
            /** @description The long cooldown, in minutes */
            cooldownMinutes?: number;
            /** @description Queue length limit per account */
            maxQueuedPerAccount?: number;
            /** @description Consecutive failures of any kind that open the circuit breaker */
            breakerFailureThreshold?: number;
        } | null;
        AccountTimeline: {
            accountId: string;
            /** @description Now, on the server: open stretches end here */
            to: string;
            /** @description The last tasks, newest first */
            tasks: components["schemas"]["TimelineTask"][];
            /** @description The account's cooldowns that overlap the tasks' span, oldest first */
            cooldowns: components["schemas"]["TimelineCooldown"][];
        };
        TimelineTask: {
            taskId: string;
            type: string;
            status: components["schemas"]["TaskStatus"];
            createdAt: string;
            finishedAt: string | null;
            /** @description Queued and running stretches in order; a rate-limited task is queued again and runs again */
            segments: components["schemas"]["TimelineSegment"][];
        };
        TimelineSegment: {
            /** @enum {string} */
            state: "queued" | "running";
            /** @description ISO 8601 */
            from: string;
            /** @description ISO 8601; null while it lasts */
            to: string | null;
        };
        TimelineCooldown: {
            /** @description When the cooldown was recorded */
            from: string;
            /** @description When it was set to end */
            until: string;
            /** @description When it ended (earlier than `until` when ended early or replaced); null while it lasts */
            endedAt: string | null;
            reason: string | null;
        };
        HeldDedupeKeyList: {
            items: components["schemas"]["HeldDedupeKey"][];
            nextCursor: string | null;
        };
        HeldDedupeKey: {
            accountId: string;
            dedupeKey: string;
            /** @description The task that holds the key */
            taskId: string;
            taskType: string;
            taskStatus: components["schemas"]["TaskStatus"] & unknown;
            /** @description When the holder was acknowledged (ISO 8601): it holds the key from then */
            heldSince: string;
        };
        DedupeKeyRelease: {
            accountId: string;
            dedupeKey: string;
            /** @description The task that held the key; it runs on */
            taskId: string;
            taskStatus: components["schemas"]["TaskStatus"];
            releasedAt: string;
            /** @description Who released it: `key:<id>` (the API key) or `address:<ip>` without keys */
            releasedBy: string;
        };
        ConcurrencyMetrics: {
            totalAccountsTracked: number;
            accountsRunning: number;
            accountsWaiting: number;
            accountsCooldown: number;
            accountsSuspended: number;
            totalTasksQueuedWaiting: number;
            /** @description Running total of tasks that had to wait for their account: when the task first started, the account's previous task to start had not finished by the time this one was acknowledged. Kept in the ledger, so restarts do not reset it; deleting old tasks (retention) removes theirs. */
            totalConcurrencyBlocks: number;
            /** @description Queued tasks held back right now because their account is running another (what totalConcurrencyBlocks counted before) */
            currentConcurrencyBlocks: number;
            tasksRunning: number;
        };
        MetricsSeries: {
            window: string;
            step: string;
            stepSeconds: number;
            /** @description The first bucket's start */
            from: string;
            /** @description Now: the last bucket ends here (it is still filling) */
            to: string;
            /** @description The outcome fields of each finished point, in the dashboard's order */
            outcomes: string[];
            /** @description One point per bucket, oldest first */
            finished: components["schemas"]["FinishedPoint"][];
            /** @description One point per bucket, oldest first */
            queued: components["schemas"]["QueuedPoint"][];
        };
        /** @description Tasks that reached each terminal status in one bucket */
        FinishedPoint: {
            /** @description The bucket's start (ISO 8601) */
            at: string;
            succeeded: number;
            failed: number;
            cancelled: number;
            skipped: number;
            deduplicated: number;
        };
        QueuedPoint: {
            /** @description The bucket's end (ISO 8601); the last point is now */
            at: string;
            /** @description Tasks queued at that moment (delivered or not, cooling down or scheduled included) */
            count: number;
        };
        Settings: {
            /** @description Re-engagement window in days */
            reengagementDays: number;
            /** @description Cooldown after the 1st, 2nd, ... consecutive rate limit, in seconds (the last repeats) */
            rateLimitBackoffSeconds: number[];
            /** @description Jitter applied to every cooldown, as a fraction (0.25 = ±25 %) */
            backoffJitter: number;
            /** @description After this many consecutive rate limits the long cooldown applies */
            cooldownAfterConsecutiveRateLimits: number;
            /** @description The long cooldown, in minutes */
            cooldownMinutes: number;
            /** @description Queue length limit per account */
            maxQueuedPerAccount: number;
            /** @description Longest one run of a task may take */
            taskTimeoutSeconds: number;
            /** @description Longest one run of a task of this type may take, in seconds, by type (others take taskTimeoutSeconds): a hung task holds its account and its dedupe key this long per attempt */
            taskTimeoutSecondsByType: {
                [key: string]: number;
            };
            /** @description Runs of a task with transient errors before it fails */
            maxAttempts: number;
            /** @description Wait before the first retry of a transient error */
            retryInitialSeconds: number;
            /** @description Longest wait between retries (the wait doubles up to it) */
            retryMaxSeconds: number;
            /** @description Message rules for errors handlers throw as plain text: the first whose match the message contains (any case) decides; kind skipped takes a reason */
            errorRules: {
                match: string;
                /** @enum {string} */
                kind: "rate_limited" | "unavailable" | "skipped" | "permanent" | "transient";
                /** @description Only with kind skipped: the reason the task is skipped with */
                reason?: string;
            }[];
            /** @description Consecutive failures of any kind that open the circuit breaker */
            breakerFailureThreshold: number;
            /** @description Interaction events older than this are deleted */
            eventRetentionDays: number;
            /** @description Finished tasks (with their events) and idle accounts without tasks older than this are deleted */
            taskRetentionDays: number;
            sources: components["schemas"]["SettingSources"];
        };
        /** @description Where each value comes from: `default` (built in), `environment` (its variable is set), `stored` (by PUT /api/settings) */
        SettingSources: {
            [key: string]: "default" | "environment" | "stored";
        };
        SettingsPatch: {
            /** @description Re-engagement window in days */
            reengagementDays?: number | null;
            /** @description Cooldown after the 1st, 2nd, ... consecutive rate limit, in seconds (the last repeats) */
            rateLimitBackoffSeconds?: number[] | null;
            /** @description Jitter applied to every cooldown, as a fraction (0.25 = ±25 %) */
            backoffJitter?: number | null;
            /** @description After this many consecutive rate limits the long cooldown applies */
            cooldownAfterConsecutiveRateLimits?: number | null;
            /** @description The long cooldown, in minutes */
            cooldownMinutes?: number | null;
            /** @description Queue length limit per account */
            maxQueuedPerAccount?: number | null;
            /** @description Longest one run of a task may take */
            taskTimeoutSeconds?: number | null;
            /** @description Longest one run of a task of this type may take, in seconds, by type (others take taskTimeoutSeconds): a hung task holds its account and its dedupe key this long per attempt */
            taskTimeoutSecondsByType?: {
                [key: string]: number;
            } | null;
            /** @description Runs of a task with transient errors before it fails */
            maxAttempts?: number | null;
            /** @description Wait before the first retry of a transient error */
            retryInitialSeconds?: number | null;
            /** @description Longest wait between retries (the wait doubles up to it) */
            retryMaxSeconds?: number | null;
            /** @description Message rules for errors handlers throw as plain text: the first whose match the message contains (any case) decides; kind skipped takes a reason */
            errorRules?: {
                match: string;
                /** @enum {string} */
                kind: "rate_limited" | "unavailable" | "skipped" | "permanent" | "transient";
                /** @description Only with kind skipped: the reason the task is skipped with */
                reason?: string;
            }[] | null;
            /** @description Consecutive failures of any kind that open the circuit breaker */
            breakerFailureThreshold?: number | null;
            /** @description Interaction events older than this are deleted */
            eventRetentionDays?: number | null;
            /** @description Finished tasks (with their events) and idle accounts without tasks older than this are deleted */
            taskRetentionDays?: number | null;
        };
        InteractionList: {
            items: components["schemas"]["InteractionEvent"][];
            nextCursor: string | null;
        };
        InteractionEvent: {
            id: number;
            ts: string;
            accountId: string;
            target: string;
            action: string;
            status: components["schemas"]["InteractionStatus"];
            reason: string | null;
            taskId: string | null;
            workerId: string | null;
            latencyMs: number | null;
            metadata: unknown;
        };
        /** @enum {string} */
        InteractionStatus: "success" | "failed" | "skipped" | "retry" | "dedupe_hit";
        InteractionCheckResult: {
            results: {
                target: string;
                allowed: boolean;
                /** @description When the window ends (or an engagement in progress times out) */
                nextAllowedAt?: string;
                lastSuccessAt?: string;
                inProgress?: boolean;
            }[];
        };
        InteractionCheckRequest: {
            /** @example acct-42 */
            accountId: string;
            action: string;
            targets: string[];
        };
        InteractionCleanupResult: {
            deleted: {
                latest: number;
                events: number;
            };
        };
        /** @description One message of a task's event stream. Comment lines (`: heartbeat`) keep the connection open at least every 15 s. */
        TaskEventMessage: {
            /** @description The event id (resume with Last-Event-ID) */
            id: string;
            /** @enum {string} */
            event: "queued" | "started" | "progress" | "retry" | "dedupe_released" | "succeeded" | "failed" | "cancelled" | "skipped" | "deduplicated";
            /** @description JSON: a TaskEvent */
            data: string;
        } | {
            /** @enum {string} */
            event: "error";
            /** @description JSON: a StreamError */
            data: string;
        };
        /** @description One message of the account stream. A `: ready` comment opens it; `: heartbeat` comments keep it open at least every 15 s. */
        AccountEventMessage: {
            /** @description The account row's change time in ms since the epoch (resume with Last-Event-ID) */
            id: string;
            /** @enum {string} */
            event: "account";
            /** @description JSON: a AccountExecutionState */
            data: string;
        } | {
            /** @enum {string} */
            event: "error";
            /** @description JSON: a StreamError */
            data: string;
        };
        DashboardMetrics: {
            generatedAt: string;
            tasks: {
                byStatus: {
                    [key: string]: number;
                };
            };
            interactions: {
                windowHours: number;
                byStatus: {
                    [key: string]: number;
                };
                /** @description dedupe_hit / (success + dedupe_hit); null without either */
                dedupeHitRate: number | null;
                latencyByAction: {
                    action: string;
                    count: number;
                    p50Ms: number | null;
                    p95Ms: number | null;
                }[];
            };
            dedupeKeys: {
                /** @description Dedupe keys held now (queued or running tasks with a key no operator released) */
                held: number;
                /** @description Submissions this API process's intake refused for a live dedupe key since it started, by code */
                refusals: {
                    already_running: number;
                    already_queued: number;
                };
            };
        };
        Readiness: {
            /** @enum {string} */
            status: "ok" | "degraded";
            checks: {
                temporal: components["schemas"]["HealthCheck"];
                postgres: components["schemas"]["HealthCheck"];
                workers: components["schemas"]["HealthCheck"];
            };
            figures?: components["schemas"]["HealthFigures"];
        };
        HealthCheck: {
            ok: boolean;
            /** @description Why, or what was found; only with a valid key when the server has API_KEYS */
            detail?: string;
        };
        /** @description Only for a valid key when the server has API_KEYS (for everyone without API_KEYS) */
        HealthFigures: {
            /** @description Tracked accounts by state (the Postgres projection); null when Postgres did not answer */
            accounts: {
                total: number;
                byState: {
                    AVAILABLE: number;
                    RUNNING: number;
                    COOLDOWN: number;
                    SUSPENDED: number;
                };
            } | null;
            /** @description Live tasks in the ledger; null when Postgres did not answer */
            tasks: {
                running: number;
                queued: number;
                /** @description Acknowledged (202) and queued, not yet handed to their workflow by a relay */
                undelivered: number;
                /** @description Age of the oldest undelivered one (0 when none): alert when it grows */
                oldestUndeliveredSeconds: number;
            } | null;
            /** @description Server-Sent Event streams of this API process: open now, and events sent since it started */
            streams: {
                open: {
                    task: number;
                    account: number;
                };
                eventsSent: {
                    task: number;
                    account: number;
                };
            };
            /** @description Workers polling the task queue for workflow and for activity tasks; null when Temporal did not answer */
            workers: {
                workflow: number;
                activity: number;
            } | null;
            /** @description Baton's version (package.json) */
            version: string;
            /** @description Since this API process started */
            uptimeSeconds: number;
        };
        Liveness: {
            /** @enum {string} */
            status: "ok";
        };
    };
    responses: {
        /** @description Invalid request (`validation_error`, `invalid_json`, `unstorable_string`, …); `details` lists the fields */
        InvalidRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Missing or wrong API key (`unauthorized`); only when the server has API_KEYS */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Body too large (`payload_too_large`); the connection closes after the answer */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The body is not sent as JSON (`http_error`): send `Content-Type: application/json` */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Too many requests from this key or client address (`rate_limited`), with Retry-After */
        TooManyRequests: {
            headers: {
                /** @description Seconds to wait before trying again */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Postgres or Temporal unreachable right now (`database_unavailable`, `temporal_unavailable`), with Retry-After */
        Unavailable: {
            headers: {
                /** @description Seconds to wait before trying again */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    submitTask: {
        parameters: {
            query?: {
                /** @description Wait for the workflow's answer: 201 with the position */
                wait?: "0" | "1" | "true" | "false";
            };
            header?: {
                /** @description Retries with the same key and body address the same task */
                "idempotency-key"?: string;
            };
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TaskSubmission"];
            };
        };
        responses: {
            /** @description Known task (a retry with the same Idempotency-Key) */
            200: {
                headers: {
                    /** @description Always `true` */
                    "Idempotent-Replayed"?: "true";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubmitAccepted"];
                };
            };
            /** @description Queued; its position in the workflow is known (`?wait=true`) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubmitAccepted"];
                };
            };
            /** @description Committed in the ledger */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubmitAccepted"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `already_running`/`already_queued` for a live dedupeKey (details.taskId), `task_id_taken` */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description `unknown_task_type`, `invalid_payload` (details lists the fields), `idempotency_key_reused` */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `queue_full` (the account has maxQueuedPerAccount tasks queued), or `rate_limited` with Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    submitTaskBatch: {
        parameters: {
            query?: never;
            header?: {
                /** @description Retries with the same key and body address the same tasks */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BatchRequest"];
            };
        };
        responses: {
            /** @description Per-item results, in the order given */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchResult"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description `idempotency_key_reused` */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                taskId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `task_not_found` */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    listTasks: {
        parameters: {
            query?: {
                accountId?: string;
                status?: components["schemas"]["TaskStatus"];
                /** @description Queued tasks waiting for this reason only (implies status=queued); a page may then hold fewer than limit, follow nextCursor */
                waitingReason?: components["schemas"]["WaitingReason"] & unknown;
                /** @description By acknowledgement time: newest first (default) or oldest first */
                order?: "newest" | "oldest";
                type?: string;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tasks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskList"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    cancelTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                taskId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description `cancelled` (it had not reached its workflow yet) or `cancel_requested` */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CancelAccepted"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `task_not_found` */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `task_finished` (details.task is the task) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    cleanupTasks: {
        parameters: {
            query?: {
                /** @description Start no new batch after this many seconds (1 … 600; default 30); `done: false` then says to call again */
                maxSeconds?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What went, and whether anything is left */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskCleanupResult"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    listAccountExecutionStates: {
        parameters: {
            query?: {
                state?: components["schemas"]["AccountState"];
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of accounts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountStateList"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getAccountExecutionState: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The account */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountExecutionState"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `account_not_found` */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    listWaitingTasks: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Waiting tasks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WaitingTasks"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    suspendAccount: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["SuspendRequest"];
            };
        };
        responses: {
            /** @description Requested; the account workflow applies it */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ControlAccepted"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    resumeAccount: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Requested; the account workflow applies it */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ControlAccepted"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    startAccountCooldown: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["CooldownRequest"];
            };
        };
        responses: {
            /** @description Requested; the account workflow applies it */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ControlAccepted"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    endAccountCooldown: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Requested; the account workflow applies it */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ControlAccepted"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    listAccountStates: {
        parameters: {
            query?: {
                state?: components["schemas"]["AccountState"];
                /** @description Latest errors per account */
                errors?: number | null;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of accounts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountHealthList"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getAccountState: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The account */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountHealth"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `account_not_found` */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getAccountSettings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Overrides (null when none) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountOverridesAnswer"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    replaceAccountSettings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AccountOverrides"];
            };
        };
        responses: {
            /** @description Overrides */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountOverridesAnswer"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    deleteAccountSettings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No overrides */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountOverridesAnswer"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getAccountTimeline: {
        parameters: {
            query?: {
                /** @description How many of the newest tasks (Default: 20; at most 100) */
                limit?: number;
            };
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The timeline */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountTimeline"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `account_not_found`: no task and no state of this account */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    listDedupeKeys: {
        parameters: {
            query?: {
                accountId?: string;
                /** @description Only this key */
                key?: string;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of held keys */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HeldDedupeKeyList"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    releaseDedupeKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
                dedupeKey: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Released */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DedupeKeyRelease"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `dedupe_key_not_held`: no queued or running task of the account holds the key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getConcurrencyMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Counts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConcurrencyMetrics"];
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getMetricsSeries: {
        parameters: {
            query?: {
                /** @description How far back (Default: 1h); at most 24h, a whole number of steps */
                window?: string;
                /** @description Bucket width (Default: 1m); at least 10s */
                step?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The series */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MetricsSeries"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getSettings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Settings */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Settings"];
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    updateSettings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SettingsPatch"];
            };
        };
        responses: {
            /** @description Settings after the change */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Settings"];
                };
            };
            /** @description Invalid settings (`validation_error`, `unstorable_string`); `details` lists the fields */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    listInteractionEvents: {
        parameters: {
            query?: {
                accountId?: string;
                target?: string;
                action?: string;
                status?: components["schemas"]["InteractionStatus"];
                /** @description Events at or after this time (ISO 8601) */
                from?: string;
                /** @description Events before this time (ISO 8601) */
                to?: string;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of events */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InteractionList"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    exportInteractionEvents: {
        parameters: {
            query?: {
                accountId?: string;
                target?: string;
                action?: string;
                status?: components["schemas"]["InteractionStatus"];
                /** @description Events at or after this time (ISO 8601) */
                from?: string;
                /** @description Events before this time (ISO 8601) */
                to?: string;
                format?: "csv" | "json";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The events (attachment) */
            200: {
                headers: {
                    /** @description `attachment; filename="interactions-<time>.<format>"` */
                    "Content-Disposition"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                    "application/json": components["schemas"]["InteractionEvent"][];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    checkInteractions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["InteractionCheckRequest"];
            };
        };
        responses: {
            /** @description One result per target, in the order given */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InteractionCheckResult"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    cleanupInteractions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description How many rows went */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InteractionCleanupResult"];
                };
            };
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    streamTaskEvents: {
        parameters: {
            query?: {
                /** @description Resume after this event id (the Last-Event-ID header does the same) */
                lastEventId?: string;
            };
            header?: {
                /** @description Resume after this event id */
                "last-event-id"?: string;
            };
            path: {
                taskId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event stream; the schema is one of its messages */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["TaskEventMessage"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `task_not_found` */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `too_many_streams` (over EVENT_STREAMS_PER_KEY or EVENT_STREAMS_MAX; details.scope, details.limit), or `rate_limited`; with Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    streamAccountEvents: {
        parameters: {
            query?: {
                accountId?: string;
                /** @description Resume: accounts changed since this id (the Last-Event-ID header does the same) */
                lastEventId?: string;
            };
            header?: {
                /** @description Resume after this event id */
                "last-event-id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event stream; the schema is one of its messages */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["AccountEventMessage"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `too_many_streams` (over EVENT_STREAMS_PER_KEY or EVENT_STREAMS_MAX; details.scope, details.limit), or `rate_limited`; with Retry-After */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    getDashboardMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Figures */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DashboardMetrics"];
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            /** @description Not ready: the failing checks say which */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    getLiveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Liveness"];
                };
            };
            429: components["responses"]["TooManyRequests"];
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            /** @description Not ready: the failing checks say which */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    getPrometheusMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metrics */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getDashboard: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            429: components["responses"]["TooManyRequests"];
        };
    };
    getDashboardScript: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag last received */
                "if-none-match"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The asset */
            200: {
                headers: {
                    /** @description Changes when the asset does */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "text/javascript": string;
                };
            };
            /** @description Not modified (If-None-Match matched the ETag) */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            429: components["responses"]["TooManyRequests"];
            /** @description The dashboard could not be built (`dashboard_build_failed`); the server log says why */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getDashboardStyles: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag last received */
                "if-none-match"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The asset */
            200: {
                headers: {
                    /** @description Changes when the asset does */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "text/css": string;
                };
            };
            /** @description Not modified (If-None-Match matched the ETag) */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            429: components["responses"]["TooManyRequests"];
            /** @description The dashboard could not be built (`dashboard_build_failed`); the server log says why */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getDashboardIcon: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag last received */
                "if-none-match"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The asset */
            200: {
                headers: {
                    /** @description Changes when the asset does */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "image/svg+xml": string;
                };
            };
            /** @description Not modified (If-None-Match matched the ETag) */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            429: components["responses"]["TooManyRequests"];
            /** @description The dashboard could not be built (`dashboard_build_failed`); the server log says why */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getOpenApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getApiDocs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    listAccountExecutionStatesLegacy: {
        parameters: {
            query?: {
                state?: components["schemas"]["AccountState"];
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of accounts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountStateList"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getAccountExecutionStateLegacy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The account */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountExecutionState"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `account_not_found` */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    listWaitingTasksLegacy: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Waiting tasks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WaitingTasks"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    listAccountStatesLegacy: {
        parameters: {
            query?: {
                state?: components["schemas"]["AccountState"];
                /** @description Latest errors per account */
                errors?: number | null;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of accounts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountHealthList"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getAccountStateLegacy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The account */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccountHealth"];
                };
            };
            400: components["responses"]["InvalidRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `account_not_found` */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
}
type FlattenedDeepRequired<T> = {
    [K in keyof T]-?: FlattenedDeepRequired<T[K] extends unknown[] | undefined | null ? Extract<T[K], unknown[]>[number] : T[K]>;
};
type ReadonlyArray<T> = [
    Exclude<T, undefined>
] extends [
    unknown[]
] ? Readonly<Exclude<T, undefined>> : Readonly<Exclude<T, undefined>[]>;
export const pathsApiAccountsAccountIdTasksPostParametersQueryWaitValues: ReadonlyArray<FlattenedDeepRequired<paths>["/api/accounts/{accountId}/tasks"]["post"]["parameters"]["query"]["wait"]> = ["0", "1", "true", "false"];
export const pathsApiAccountsAccountIdTasksPostResponses200HeadersIdempotentReplayedValues: ReadonlyArray<FlattenedDeepRequired<paths>["/api/accounts/{accountId}/tasks"]["post"]["responses"]["200"]["headers"]["Idempotent-Replayed"]> = ["true"];
export const pathsApiTasksGetParametersQueryOrderValues: ReadonlyArray<FlattenedDeepRequired<paths>["/api/tasks"]["get"]["parameters"]["query"]["order"]> = ["newest", "oldest"];
export const pathsApiInteractionsExportGetParametersQueryFormatValues: ReadonlyArray<FlattenedDeepRequired<paths>["/api/interactions/export"]["get"]["parameters"]["query"]["format"]> = ["csv", "json"];
export const streamErrorCodeValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["StreamError"]["code"]> = ["stream_failed"];
export const taskStatusValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["TaskStatus"]> = ["queued", "running", "succeeded", "failed", "cancelled", "skipped", "deduplicated"];
export const waitingReasonValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["WaitingReason"]> = ["account_busy", "account_cooldown", "account_suspended", "scheduled"];
export const cancelAcceptedStatusValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["CancelAccepted"]["status"]> = ["cancelled", "cancel_requested"];
export const accountStateValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["AccountState"]> = ["AVAILABLE", "RUNNING", "COOLDOWN", "SUSPENDED"];
export const controlAcceptedRequestedValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["ControlAccepted"]["requested"]> = ["suspend", "resume", "cooldown", "end_cooldown"];
export const timelineSegmentStateValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["TimelineSegment"]["state"]> = ["queued", "running"];
export const settingsErrorRulesKindValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["Settings"]["errorRules"]["kind"]> = ["rate_limited", "unavailable", "skipped", "permanent", "transient"];
export const settingSourcesValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["SettingSources"][string]> = ["default", "environment", "stored"];
export const settingsPatchErrorRulesKindValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["SettingsPatch"]["errorRules"]["kind"]> = ["rate_limited", "unavailable", "skipped", "permanent", "transient"];
export const interactionStatusValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["InteractionStatus"]> = ["success", "failed", "skipped", "retry", "dedupe_hit"];
export const taskEventMessageAnyOf0EventValues: ReadonlyArray<Extract<FlattenedDeepRequired<components>["schemas"]["TaskEventMessage"], {
    event: unknown;
}>["event"]> = ["queued", "started", "progress", "retry", "dedupe_released", "succeeded", "failed", "cancelled", "skipped", "deduplicated"];
export const taskEventMessageAnyOf1EventValues: ReadonlyArray<Extract<FlattenedDeepRequired<components>["schemas"]["TaskEventMessage"], {
    event: unknown;
}>["event"]> = ["error"];
export const accountEventMessageAnyOf0EventValues: ReadonlyArray<Extract<FlattenedDeepRequired<components>["schemas"]["AccountEventMessage"], {
    event: unknown;
}>["event"]> = ["account"];
export const accountEventMessageAnyOf1EventValues: ReadonlyArray<Extract<FlattenedDeepRequired<components>["schemas"]["AccountEventMessage"], {
    event: unknown;
}>["event"]> = ["error"];
export const readinessStatusValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["Readiness"]["status"]> = ["ok", "degraded"];
export const livenessStatusValues: ReadonlyArray<FlattenedDeepRequired<components>["schemas"]["Liveness"]["status"]> = ["ok"];
