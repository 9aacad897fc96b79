// The D1 query budget of one Worker invocation (DESIGN "Jobs at production scale"): Cloudflare
// stops an invocation after 1 000 D1 queries on the paid plan and 50 on the free plan, so every
// job counts what it issues through a metered binding and plans its next unit of work against
// what is left: a step or page whose worst case no longer fits is left for the next message.

/** 800 of the paid plan's 1 000, leaving room for the few queries outside the planned pages. */
export const DEFAULT_QUERY_BUDGET = 800;
/** The free plan's 50, with the same margin. */
export const FREE_PLAN_QUERY_BUDGET = 40;

export class QueryBudgetExceeded extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} D1 queries in one invocation`);
    this.name = "QueryBudgetExceeded";
  }
}

/** Configuration error: a budget must be a whole number between 1 and the paid plan's 1 000. */
export function queryBudgetOf(setting: string | undefined): number {
  if (setting === undefined || setting.trim() === "") return DEFAULT_QUERY_BUDGET;
  const value = Number(setting);
  if (!Number.isInteger(value) || value < 1 || value > 1_000)
    throw new RangeError(`D1_QUERY_BUDGET must be an integer from 1 to 1000, got "${setting}"`);
  return value;
}

/**
 * Counts every statement one invocation sends (a batch of n statements counts n, the
 * conservative reading of the limit) and the round trips. Passing the limit throws, so a plan
 * that was wrong fails loudly instead of being cut off by the platform halfway.
 */
export class QueryMeter {
  statements = 0;
  roundTrips = 0;

  constructor(readonly limit: number) {}

  get remaining(): number {
    return this.limit - this.statements;
  }

  /** Whether a unit of work that issues at most `statements` can still be finished. */
  affords(statements: number): boolean {
    return statements <= this.remaining;
  }

  record(statements: number): void {
    if (this.statements + statements > this.limit) throw new QueryBudgetExceeded(this.limit);
    this.statements += statements;
    this.roundTrips += 1;
  }
}

const TERMINAL = new Set(["run", "all", "first", "raw"]);

/** A refused query is a rejected promise, like any other D1 failure. */
function recorded<T>(meter: QueryMeter, statements: number, send: () => T): T | Promise<never> {
  try {
    meter.record(statements);
  } catch (error) {
    return Promise.reject(error);
  }
  return send();
}

/**
 * The binding as the job sees it: every `prepare(…)[.bind(…)].run/all/first/raw` and every
 * `batch` is recorded before it is sent. Statements handed to `batch` are unwrapped, because
 * the runtime accepts only its own statement objects there.
 */
export function meteredD1(d1: D1Database, meter: QueryMeter): D1Database {
  const inner = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== "function") return value;
        if (property === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        if (typeof property === "string" && TERMINAL.has(property))
          return (...args: unknown[]) =>
            recorded(meter, 1, () => (value as (...a: unknown[]) => unknown).apply(target, args));
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
    inner.set(proxy, statement);
    return proxy;
  };
  return new Proxy(d1, {
    get(target, property) {
      if (property === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (property === "batch")
        return (statements: D1PreparedStatement[]) =>
          recorded(meter, statements.length, () =>
            target.batch(statements.map((statement) => inner.get(statement) ?? statement)),
          );
      if (property === "exec") return (sql: string) => recorded(meter, 1, () => target.exec(sql));
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Whether this failure (or what caused it: drizzle wraps driver errors) is the meter's refusal. */
export function isQueryBudgetExceeded(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = (cause as { cause?: unknown }).cause)
    if (cause instanceof QueryBudgetExceeded) return true;
  return false;
}
